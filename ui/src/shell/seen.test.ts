import { beforeEach, describe, expect, it } from "vitest";
import type { Repository } from "../lib/api";
import { forgetRepositories, indexAll, rememberAll, seenRepositories } from "./seen";

const repo = (namespace: string, name: string) => ({ namespace, name }) as unknown as Repository;

describe("the palette's repository index", () => {
  beforeEach(forgetRepositories);

  it("lists a connection once per session; a palette opened meanwhile waits for the same listing", async () => {
    let calls = 0;
    let finish!: (repos: Repository[]) => void;
    const list = () => {
      calls += 1;
      return new Promise<Repository[]>((r) => (finish = r));
    };
    const conn = { id: "c1", name: "Quay" };
    const first = indexAll(conn, list);
    const second = indexAll(conn, list);
    expect(calls).toBe(1);
    finish([repo("acme", "keys")]);
    await second;
    expect(seenRepositories().map((r) => r.name)).toEqual(["keys"]);
    await first;
    await indexAll(conn, list);
    expect(calls).toBe(1);
  });

  it("tries again after a failed listing", async () => {
    const conn = { id: "c2", name: "DTR" };
    await expect(indexAll(conn, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    await indexAll(conn, async () => [repo("payments", "api")]);
    expect(seenRepositories().map((r) => r.name)).toEqual(["api"]);
  });

  it("keeps every repository of a connection, grouped by namespace", () => {
    const conn = { id: "c1", name: "Quay" };
    rememberAll(conn, [repo("acme", "web"), repo("beta", "tools"), repo("acme", "api")]);
    expect(seenRepositories().map((r) => `${r.connectionName}:${r.namespace}/${r.name}`)).toEqual([
      "Quay:acme/web",
      "Quay:acme/api",
      "Quay:beta/tools",
    ]);
  });
});
