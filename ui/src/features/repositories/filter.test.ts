import { describe, expect, it } from "vitest";
import type { Repository } from "../../lib/api";
import { filterRepositories, fullName, progressText, sortRepositories } from "./filter";

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
