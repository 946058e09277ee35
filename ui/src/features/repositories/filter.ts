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

/**
 * When the repository was last pushed, as the row says it: Quay tells (no time means no push
 * yet, walkthrough #17); DTR's listing does not, so its rows claim nothing.
 */
export function pushedText(
  lastModified: number | null,
  registryTells: boolean,
  date: (ms: number) => string,
): string | null {
  if (lastModified !== null) return `last modified ${date(lastModified)}`;
  return registryTells ? "never pushed" : null;
}

/** "3 repositories match “pay” in all 4 namespaces" and the like, for a connection-wide search. */
export function acrossText(matching: number, query: string, namespaces: number): string {
  const what = matching === 1 ? "1 repository matches" : `${matching} repositories match`;
  const where = namespaces === 1 ? "the only namespace" : `all ${namespaces} namespaces`;
  return `${what} “${query.trim()}” in ${where}`;
}

/** `all` with the repositories of `namespace` replaced by `list` (a change made in one
 *  namespace's list shows in the connection-wide search too), sorted. */
export function replaceNamespace(all: Repository[], namespace: string, list: Repository[]): Repository[] {
  return sortRepositories([...all.filter((r) => r.namespace !== namespace), ...list]);
}

/** Repositories grouped by namespace, in order of first appearance. */
export function byNamespace(repos: Repository[]): Map<string, Repository[]> {
  const groups = new Map<string, Repository[]>();
  for (const r of repos) {
    const group = groups.get(r.namespace);
    if (group) group.push(r);
    else groups.set(r.namespace, [r]);
  }
  return groups;
}
