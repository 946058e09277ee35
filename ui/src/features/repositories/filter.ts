import type { Repository } from "../../lib/api";

export const fullName = (r: { namespace: string; name: string }): string =>
  `${r.namespace}/${r.name}`;

/**
 * The repositories matching a search-as-you-type query: every word must occur (ignoring case)
 * in `namespace/name` or the description. A blank query matches everything.
 */
export function filterRepositories(items: Repository[], query: string): Repository[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return items;
  return items.filter((r) => {
    const text = `${fullName(r)}\n${r.description}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** "Loading… 300 repositories so far". */
export function progressText(done: number): string {
  return `Loading… ${done} ${done === 1 ? "repository" : "repositories"} so far`;
}

/** Sorts repositories by name, as registries do not agree on an order. */
export function sortRepositories(items: Repository[]): Repository[] {
  return [...items].sort((a, b) => fullName(a).localeCompare(fullName(b)));
}
