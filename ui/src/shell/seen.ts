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

/** Everything recorded so far, in the order it was listed. */
export const seenRepositories = (): SeenRepository[] => [...seen.values()].flat();

/** Forgets everything (tests). */
export const forgetRepositories = (): void => seen.clear();
