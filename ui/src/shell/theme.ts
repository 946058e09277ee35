// The colour scheme, shared by App (at start-up) and Settings (on save). The saved setting lives
// in settings.json on the Rust side; a copy in localStorage only lets main.ts apply it before the
// first paint, so a dark-themed Wharf does not flash light while settings load.
import type { Theme } from "../lib/api";

const STORAGE_KEY = "wharf.theme";

/** The `data-theme` value for a theme; null leaves the desktop's preference in charge. */
export function themeAttribute(theme: Theme): "light" | "dark" | null {
  return theme === "light" || theme === "dark" ? theme : null;
}

export const isTheme = (v: unknown): v is Theme => v === "system" || v === "light" || v === "dark";

type Store = Pick<Storage, "getItem" | "setItem">;

function storage(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

/** Sets `<html data-theme>` (removed for "system") and remembers the choice for the next start. */
export function applyTheme(
  theme: Theme,
  root: HTMLElement = document.documentElement,
  store: Store | null = storage(),
): void {
  const attr = themeAttribute(theme);
  if (attr) root.dataset.theme = attr;
  else delete root.dataset.theme;
  try {
    store?.setItem(STORAGE_KEY, theme);
  } catch {
    // Quota or privacy mode: the settings file still has it.
  }
}

/** The theme applied at the last start, or "system". */
export function rememberedTheme(store: Store | null = storage()): Theme {
  try {
    const v = store?.getItem(STORAGE_KEY);
    return isTheme(v) ? v : "system";
  } catch {
    return "system";
  }
}
