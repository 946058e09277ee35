import { beforeEach, describe, expect, it } from "vitest";
import type { Repository } from "../lib/api";
import { forgetRepositories, indexingFailed, rememberAll, seenRepositories, startIndexing } from "./seen";

const repo = (namespace: string, name: string) => ({ namespace, name }) as unknown as Repository;

describe("the palette's repository index", () => {
  beforeEach(forgetRepositories);

  it("indexes a connection once per session, again after a failure", () => {
    expect(startIndexing("c1")).toBe(true);
    expect(startIndexing("c1")).toBe(false);
    indexingFailed("c1");
    expect(startIndexing("c1")).toBe(true);
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
