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

/** Each connection's listing of every repository for the palette, once per session: a palette
 *  opened while it is still running waits for the same one. */
const indexing = new Map<string, Promise<void>>();

/** Lists every repository of `connection` with `list` and records them, unless that was done or
 *  is under way this session; resolves once they are recorded. A failure is forgotten, so the
 *  next palette tries again. */
export function indexAll(
  connection: Pick<Connection, "id" | "name">,
  list: () => Promise<Repository[]>,
): Promise<void> {
  let running = indexing.get(connection.id);
  if (!running) {
    running = list().then(
      (repos) => rememberAll(connection, repos),
      (e) => {
        indexing.delete(connection.id);
        throw e;
      },
    );
    indexing.set(connection.id, running);
  }
  return running;
}

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
  indexing.clear();
};
