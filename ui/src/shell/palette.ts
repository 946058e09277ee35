// The Ctrl+K "jump to" palette's items and search: the app's screens, the namespaces of every
// saved connection (asked once per session and connection), and the repositories the
// Repositories screen has listed in this session. Choosing a namespace or repository opens it
// on the Repositories screen.
import type { Connection, Namespace } from "../lib/api";
import type { SeenRepository } from "./seen";
import { NAV, type View } from "./nav";

export type PaletteItem =
  | { kind: "view"; view: View; label: string; detail: string }
  | {
      kind: "namespace";
      connectionId: string;
      connectionName: string;
      namespace: string;
      label: string;
      detail: string;
    }
  | {
      kind: "repository";
      connectionId: string;
      connectionName: string;
      namespace: string;
      name: string;
      label: string;
      detail: string;
    };

export const repositoryItems = (repos: SeenRepository[]): PaletteItem[] =>
  repos.map((r) => ({
    kind: "repository",
    ...r,
    label: `${r.namespace}/${r.name}`,
    detail: `Repository on ${r.connectionName}`,
  }));

export const viewItems = (): PaletteItem[] =>
  NAV.map((n) => ({ kind: "view", view: n.id, label: n.label, detail: n.hint }));

export function namespaceItems(c: Connection, namespaces: Namespace[]): PaletteItem[] {
  return namespaces.map((ns) => ({
    kind: "namespace",
    connectionId: c.id,
    connectionName: c.name,
    namespace: ns.name,
    label: ns.name,
    detail: `${ns.organization ? "Organization" : "User"} on ${c.name}`,
  }));
}

/** A stable key for keyed lists. */
export const itemKey = (i: PaletteItem): string =>
  i.kind === "view"
    ? `view:${i.view}`
    : i.kind === "namespace"
      ? `ns:${i.connectionId}:${i.namespace}`
      : `repo:${i.connectionId}:${i.namespace}/${i.name}`;

/**
 * Items where every word of `query` occurs (ignoring case) in the label or detail, best first:
 * label starting with the query, then label containing it, then the rest; ties keep their order.
 * A blank query lists everything.
 */
export function searchPalette(items: PaletteItem[], query: string, max = 50): PaletteItem[] {
  const q = query.trim().toLowerCase();
  const words = q.split(/\s+/).filter(Boolean);
  if (words.length === 0) return items.slice(0, max);
  const scored: { item: PaletteItem; score: number; i: number }[] = [];
  items.forEach((item, i) => {
    const label = item.label.toLowerCase();
    const text = `${label}\n${item.detail.toLowerCase()}`;
    if (!words.every((w) => text.includes(w))) return;
    const score = label.startsWith(q) ? 0 : label.includes(q) ? 1 : 2;
    scored.push({ item, score, i });
  });
  scored.sort((a, b) => a.score - b.score || a.i - b.i);
  return scored.slice(0, max).map((s) => s.item);
}

/** Moves a highlighted index by `delta`, wrapping around; -1 when there is nothing. */
export function moveIndex(index: number, delta: number, count: number): number {
  if (count === 0) return -1;
  return (((index + delta) % count) + count) % count;
}

/** Namespaces per connection, asked once per session; a failed ask is retried on next open. */
export function createNamespaceCache(fetch: (connectionId: string) => Promise<Namespace[]>) {
  const cache = new Map<string, Promise<Namespace[]>>();
  return (connectionId: string): Promise<Namespace[]> => {
    let p = cache.get(connectionId);
    if (!p) {
      p = fetch(connectionId);
      cache.set(connectionId, p);
      p.catch(() => cache.delete(connectionId));
    }
    return p;
  };
}

/** Where the last palette jump pointed: a namespace, or a repository in it. */
export type Jump = {
  connectionId: string;
  connectionName: string;
  namespace: string;
  repository?: string;
};
