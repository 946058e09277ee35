// Repositories the Repositories screen has listed in this session, so the Ctrl+K palette can
// jump straight to one without asking the registry again.
import type { Connection, Repository } from "../lib/api";

export type SeenRepository = {
  connectionId: string;
  connectionName: string;
  namespace: string;
  name: string;
};

const seen = new Map<string, SeenRepository[]>();

/** Records the repositories of one namespace of `connection`, replacing what was there. */
export function rememberRepositories(
  connection: Pick<Connection, "id" | "name">,
  namespace: string,
  repos: Repository[],
): void {
  seen.set(
    `${connection.id}\n${namespace}`,
    repos.map((r) => ({
      connectionId: connection.id,
      connectionName: connection.name,
      namespace: r.namespace,
      name: r.name,
    })),
  );
}

/** Connections whose every repository was listed for the palette this session. */
const indexed = new Set<string>();

/** Marks `connectionId` as indexed; false when it already was (or is being) indexed. */
export function startIndexing(connectionId: string): boolean {
  if (indexed.has(connectionId)) return false;
  indexed.add(connectionId);
  return true;
}

/** A failed indexing may be tried again the next time the palette opens. */
export const indexingFailed = (connectionId: string): void => void indexed.delete(connectionId);

/** Records every repository of `connection` (all its namespaces at once). */
export function rememberAll(connection: Pick<Connection, "id" | "name">, repos: Repository[]): void {
  const byNamespace = new Map<string, Repository[]>();
  for (const r of repos) byNamespace.set(r.namespace, [...(byNamespace.get(r.namespace) ?? []), r]);
  for (const [namespace, list] of byNamespace) rememberRepositories(connection, namespace, list);
}

/** Everything recorded so far, in the order it was listed. */
export const seenRepositories = (): SeenRepository[] => [...seen.values()].flat();

/** Forgets everything (tests). */
export const forgetRepositories = (): void => {
  seen.clear();
  indexed.clear();
};
