import { forgetRepositories, rememberRepositories, seenRepositories } from "./seen";
import { describe, expect, it, vi } from "vitest";
import type { Connection } from "../lib/api";
import {
  createNamespaceCache,
  itemKey,
  moveIndex,
  namespaceItems,
  repositoryItems,
  searchPalette,
  viewItems,
  type PaletteItem,
} from "./palette";

const conn: Connection = {
  id: "c1",
  name: "Prod Quay",
  kind: "quay",
  baseUrl: "https://quay.io",
  tls: { acceptInvalidCerts: false },
};

const items: PaletteItem[] = [
  ...viewItems(),
  ...namespaceItems(conn, [
    { name: "payments-team", organization: true, isAdmin: true },
    { name: "acme", organization: true, isAdmin: false },
    { name: "alice", organization: false, isAdmin: true },
  ]),
];
const labels = (xs: PaletteItem[]) => xs.map((x) => x.label);

describe("searchPalette", () => {
  it("lists everything for a blank query", () => {
    expect(searchPalette(items, "  ")).toHaveLength(items.length);
  });

  it("ranks label prefixes before other matches", () => {
    expect(labels(searchPalette(items, "a"))).toEqual([
      // label starts with "a"
      "About",
      "acme",
      "alice",
      // "a" inside the label
      "payments-team",
      // "a" in the detail only, in list order
      "Connections",
      "Repositories",
      "Overview",
      "Routes",
      "Settings",
    ]);
    expect(labels(searchPalette(items, "ac"))[0]).toBe("acme");
  });

  it("needs every word, in label or detail", () => {
    expect(labels(searchPalette(items, "prod acme"))).toEqual(["acme"]);
    expect(labels(searchPalette(items, "user prod"))).toEqual(["alice"]);
    expect(searchPalette(items, "nothing-like-this")).toEqual([]);
  });

  it("caps the results", () => {
    expect(searchPalette(items, "", 2)).toHaveLength(2);
  });
});

describe("repositories seen in this session", () => {
  it("become palette items that search by namespace/name", () => {
    forgetRepositories();
    rememberRepositories({ id: "c1", name: "Prod Quay" }, "acme", [
      { namespace: "acme", name: "payments", isPublic: false, lastModified: null, description: "" },
      { namespace: "acme", name: "web", isPublic: true, lastModified: null, description: "" },
    ]);
    rememberRepositories({ id: "c1", name: "Prod Quay" }, "acme", [
      { namespace: "acme", name: "payments", isPublic: false, lastModified: null, description: "" },
    ]);
    const items = repositoryItems(seenRepositories());
    expect(items).toHaveLength(1);
    const found = searchPalette(items, "acme/pay");
    expect(found[0]).toMatchObject({ kind: "repository", connectionId: "c1", namespace: "acme", name: "payments" });
    expect(itemKey(found[0])).toBe("repo:c1:acme/payments");
    forgetRepositories();
    expect(seenRepositories()).toEqual([]);
  });
});

describe("namespaceItems / itemKey", () => {
  it("names the connection and keeps keys unique", () => {
    const ns = namespaceItems(conn, [{ name: "acme", organization: true, isAdmin: false }]);
    expect(ns[0]).toMatchObject({ kind: "namespace", connectionId: "c1", namespace: "acme", detail: "Organization on Prod Quay" });
    const keys = items.map(itemKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("moveIndex", () => {
  it("wraps both ways", () => {
    expect(moveIndex(0, -1, 3)).toBe(2);
    expect(moveIndex(2, 1, 3)).toBe(0);
    expect(moveIndex(1, 1, 3)).toBe(2);
    expect(moveIndex(0, 1, 0)).toBe(-1);
  });
});

describe("createNamespaceCache", () => {
  it("asks once per connection and retries after a failure", async () => {
    const fetch = vi
      .fn<(id: string) => Promise<{ name: string; organization: boolean; isAdmin: boolean }[]>>()
      .mockRejectedValueOnce({ kind: "network", message: "down" })
      .mockResolvedValue([]);
    const get = createNamespaceCache(fetch);
    await expect(get("c1")).rejects.toEqual({ kind: "network", message: "down" });
    await get("c1");
    await get("c1");
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
