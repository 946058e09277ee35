// Where deliveries were replayed to lately, newest first, kept in the webview's storage (a UI
// preference, like the theme's copy) so the replay field suggests them next time.

/** How many targets are remembered. */
export const MAX_TARGETS = 5;

const STORAGE_KEY = "wharf.replayTargets";

type Store = Pick<Storage, "getItem" | "setItem">;

function storage(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

/** `targets` with `url` moved (or added) to the front, at most `max` of them. */
export function withTarget(targets: string[], url: string, max = MAX_TARGETS): string[] {
  const clean = url.trim();
  if (!clean) return targets.slice(0, max);
  return [clean, ...targets.filter((t) => t !== clean)].slice(0, max);
}

/** The remembered targets; none when nothing (or something unreadable) is stored. */
export function loadTargets(store: Store | null = storage()): string[] {
  try {
    const parsed: unknown = JSON.parse(store?.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(parsed)
      ? parsed.filter((t): t is string => typeof t === "string").slice(0, MAX_TARGETS)
      : [];
  } catch {
    return [];
  }
}

/** Remembers `url` as the newest target; returns the list now kept. */
export function rememberTarget(url: string, store: Store | null = storage()): string[] {
  const next = withTarget(loadTargets(store), url);
  try {
    store?.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // storage full or disabled: the suggestion is only lost
  }
  return next;
}

/** Whether a replay's answer reads as success: a 2xx status. */
export const replaySucceeded = (status: number): boolean => status >= 200 && status < 300;
