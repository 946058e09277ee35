// The connection and namespace the Repositories screen showed last, so coming back (or starting
// again) lands where the admin was (walkthrough #14). Only names and ids: nothing secret.
const STORAGE_KEY = "wharf.repositories.last";

export type LastPlace = { connectionId: string; namespace: string | null };

type Store = Pick<Storage, "getItem" | "setItem">;

function storage(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** Remembers where the screen is. */
export function rememberPlace(place: LastPlace, store: Store | null = storage()): void {
  try {
    store?.setItem(STORAGE_KEY, JSON.stringify(place));
  } catch {
    // Quota or privacy mode: the screen simply starts empty next time.
  }
}

/** Where the screen was, if it is still a connection that exists. */
export function lastPlace(connectionIds: string[], store: Store | null = storage()): LastPlace | null {
  try {
    const raw = store?.getItem(STORAGE_KEY);
    const place = raw ? (JSON.parse(raw) as Partial<LastPlace>) : null;
    if (!place || typeof place.connectionId !== "string" || !connectionIds.includes(place.connectionId))
      return null;
    return {
      connectionId: place.connectionId,
      namespace: typeof place.namespace === "string" ? place.namespace : null,
    };
  } catch {
    return null;
  }
}
