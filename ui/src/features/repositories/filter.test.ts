import { describe, expect, it } from "vitest";
import type { Repository } from "../../lib/api";
import {
  acrossText,
  byNamespace,
  filterRepositories,
  fullName,
  progressText,
  pushedText,
  replaceNamespace,
  sortRepositories,
} from "./filter";

const repo = (namespace: string, name: string, description = ""): Repository => ({
  namespace,
  name,
  isPublic: false,
  lastModified: null,
  description,
});

const items = [
  repo("acme", "web-frontend", "The shop UI"),
  repo("acme", "billing", "Invoices"),
  repo("tools", "builder"),
];

describe("filterRepositories", () => {
  it("returns everything for a blank query", () => {
    expect(filterRepositories(items, "  ")).toBe(items);
  });
  it("matches namespace/name case-insensitively", () => {
    expect(filterRepositories(items, "ACME/B").map(fullName)).toEqual(["acme/billing"]);
  });
  it("matches the description", () => {
    expect(filterRepositories(items, "shop").map(fullName)).toEqual(["acme/web-frontend"]);
  });
  it("needs every word", () => {
    expect(filterRepositories(items, "acme invoices").map(fullName)).toEqual(["acme/billing"]);
    expect(filterRepositories(items, "tools invoices")).toEqual([]);
  });
});

describe("progressText", () => {
  it("counts repositories", () => {
    expect(progressText(300)).toBe("Loading… 300 repositories so far");
    expect(progressText(1)).toBe("Loading… 1 repository so far");
  });
});

describe("sortRepositories", () => {
  it("sorts by full name without changing the input", () => {
    const sorted = sortRepositories(items);
    expect(sorted.map(fullName)).toEqual(["acme/billing", "acme/web-frontend", "tools/builder"]);
    expect(items[0].name).toBe("web-frontend");
  });
});

describe("pushedText", () => {
  const date = (ms: number) => `<${ms}>`;
  it("gives the time when there is one", () => {
    expect(pushedText(1_700_000_000_000, true, date)).toBe("last modified <1700000000000>");
  });
  it("says never pushed where the registry tells push times (Quay)", () => {
    expect(pushedText(null, true, date)).toBe("never pushed");
  });
  it("claims nothing where the registry does not tell (DTR)", () => {
    expect(pushedText(null, false, date)).toBeNull();
  });
});

describe("search across namespaces", () => {
  const all = [repo("acme", "api"), repo("acme", "web"), repo("payments", "api"), repo("payments", "worker")];

  it("finds a repository whatever its namespace", () => {
    expect(filterRepositories(all, "pay").map(fullName)).toEqual(["payments/api", "payments/worker"]);
    expect(filterRepositories(all, "api").map(fullName)).toEqual(["acme/api", "payments/api"]);
  });

  it("says how many match where", () => {
    expect(acrossText(2, " pay ", 3)).toBe("2 repositories match “pay” in all 3 namespaces");
    expect(acrossText(1, "pay", 1)).toBe("1 repository matches “pay” in the only namespace");
    expect(acrossText(0, "zz", 2)).toBe("0 repositories match “zz” in all 2 namespaces");
  });

  it("groups by namespace for the palette", () => {
    const groups = byNamespace(all);
    expect([...groups.keys()]).toEqual(["acme", "payments"]);
    expect(groups.get("payments")!.map((r) => r.name)).toEqual(["api", "worker"]);
  });

  it("takes one namespace's new list into the whole", () => {
    const next = replaceNamespace(all, "acme", [repo("acme", "api"), repo("acme", "zeta")]);
    expect(next.map(fullName)).toEqual(["acme/api", "acme/zeta", "payments/api", "payments/worker"]);
  });
});
