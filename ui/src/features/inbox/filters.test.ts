import { describe, expect, it } from "vitest";
import type { DeliverySummary, HookRoute } from "../../lib/api";
import {
  asciiLower,
  distinctValues,
  emptyFilters,
  hasFilters,
  matchFilters,
  routeChoices,
  routeLabel,
  routeName,
  sameFilters,
  toQuery,
  type InboxFilters,
} from "./filters";

const d = (over: Partial<DeliverySummary> = {}): DeliverySummary => ({
  id: 1,
  receivedAt: 1000,
  method: "POST",
  path: "/hooks/tok1",
  size: 2,
  routeToken: "tok1",
  status: 200,
  source: "quay",
  event: "repo_push",
  repository: "acme/payments",
  summary: "Pushed acme/payments:latest",
  alert: null,
  ...over,
});

const f = (over: Partial<InboxFilters> = {}): InboxFilters => ({ ...emptyFilters(), ...over });

describe("toQuery", () => {
  it("sends blank fields as null and trims the exact-match ones", () => {
    expect(toQuery(f({ event: " repo_push ", repository: "", route: "  " }), { limit: 50 })).toEqual({
      text: null,
      source: null,
      status: null,
      event: "repo_push",
      repository: null,
      route: null,
      limit: 50,
      before: null,
    });
  });

  it("sends the source filter to the store", () => {
    expect(toQuery(f({ source: "dtr" })).source).toBe("dtr");
    expect(toQuery(f({ source: "any" })).source).toBeNull();
  });

  it("keeps the free text as typed and passes paging", () => {
    expect(toQuery(f({ text: " a b" }), { before: 9 })).toMatchObject({ text: " a b", before: 9 });
  });
});

describe("hasFilters / sameFilters", () => {
  it("sees an empty form as no filter", () => {
    expect(hasFilters(emptyFilters())).toBe(false);
    expect(hasFilters(f({ text: "   " }))).toBe(false);
    expect(hasFilters(f({ source: "dtr" }))).toBe(true);
    expect(hasFilters(f({ route: "x" }))).toBe(true);
  });

  it("treats whitespace-only edits as unchanged", () => {
    expect(sameFilters(f({ event: "a" }), f({ event: "a " }))).toBe(true);
    expect(sameFilters(f({ event: "a" }), f({ event: "b" }))).toBe(false);
    expect(sameFilters(f({ source: "quay" }), f())).toBe(false);
  });
});

describe("matchFilters", () => {
  it("matches everything without filters", () => {
    expect(matchFilters(d(), emptyFilters())).toBe("yes");
  });

  it("filters by source, counting unrecognised deliveries as unknown", () => {
    expect(matchFilters(d(), f({ source: "quay" }))).toBe("yes");
    expect(matchFilters(d(), f({ source: "dtr" }))).toBe("no");
    expect(matchFilters(d({ source: null }), f({ source: "unknown" }))).toBe("yes");
    expect(matchFilters(d({ source: "unknown" }), f({ source: "unknown" }))).toBe("yes");
  });

  it("matches the event ignoring ASCII case, like COLLATE NOCASE", () => {
    expect(matchFilters(d(), f({ event: "REPO_PUSH" }))).toBe("yes");
    expect(matchFilters(d(), f({ event: "build_failure" }))).toBe("no");
    expect(matchFilters(d({ event: null }), f({ event: "repo_push" }))).toBe("no");
  });

  it("matches a part of the repository name, ignoring ASCII case, like the store's LIKE", () => {
    expect(matchFilters(d(), f({ repository: "acme/payments" }))).toBe("yes");
    expect(matchFilters(d(), f({ repository: "ACME/" }))).toBe("yes");
    expect(matchFilters(d(), f({ repository: "payments" }))).toBe("yes");
    expect(matchFilters(d(), f({ repository: "acme/web" }))).toBe("no");
    expect(matchFilters(d({ repository: null }), f({ repository: "acme" }))).toBe("no");
    expect(matchFilters(d(), f({ repository: "a%e" }))).toBe("no");
  });

  it("matches the route exactly", () => {
    expect(matchFilters(d(), f({ route: "tok1" }))).toBe("yes");
    expect(matchFilters(d(), f({ route: "tok" }))).toBe("no");
    expect(matchFilters(d({ routeToken: null }), f({ route: "tok1" }))).toBe("no");
  });

  it("finds text in summary, path, repository or event, else leaves it to the store", () => {
    expect(matchFilters(d(), f({ text: "PUSHED" }))).toBe("yes");
    expect(matchFilters(d(), f({ text: "hooks/tok" }))).toBe("yes");
    expect(matchFilters(d({ summary: null }), f({ text: "payments" }))).toBe("yes");
    // Might be in the body or query string, which a summary does not carry.
    expect(matchFilters(d(), f({ text: "sha256:" }))).toBe("maybe");
    // Exact filters decide first.
    expect(matchFilters(d(), f({ text: "sha256:", source: "dtr" }))).toBe("no");
  });

  it("folds ASCII case only, as SQLite's LIKE does", () => {
    expect(asciiLower("ÄBC")).toBe("Äbc");
    expect(matchFilters(d({ summary: "Ärger" }), f({ text: "ärger" }))).toBe("maybe");
  });
});

describe("distinctValues", () => {
  it("lists each value once, sorted, skipping nulls", () => {
    const rows = [d({ event: "b" }), d({ event: "a" }), d({ event: null }), d({ event: "b" })];
    expect(distinctValues(rows, "event")).toEqual(["a", "b"]);
  });
});

describe("route choices", () => {
  const route = (token: string, over: Partial<HookRoute> = {}): HookRoute => ({
    token,
    createdAt: 1,
    connectionId: null,
    repository: null,
    notificationId: null,
    source: null,
    event: null,
    label: "",
    response: { status: 200, body: null, delayMs: 0 },
    ...over,
  });

  it("names a route by its label, else what it stands for, else its token's start", () => {
    expect(routeLabel(route("t1", { label: " acme/api build_failure " }))).toBe("acme/api build_failure");
    expect(routeLabel(route("t2", { repository: "acme/web", event: "repo_push" }))).toBe("acme/web repo_push");
    expect(routeLabel(route("abcdef123456"))).toBe("route abcdef…");
  });

  it("sorts by label and keeps a chosen route that was deleted", () => {
    const routes = [route("t1", { label: "web" }), route("t2", { label: "api" })];
    expect(routeChoices(routes, "")).toEqual([
      { token: "t2", label: "api" },
      { token: "t1", label: "web" },
    ]);
    expect(routeChoices(routes, "gone123456")[2]).toEqual({
      token: "gone123456",
      label: "route gone12… (deleted)",
    });
    expect(routeChoices(routes, "t1")).toHaveLength(2);
  });

  it("names a delivery's route, and marks one deleted since", () => {
    const routes = [route("t1", { label: "prod Quay → CI" })];
    expect(routeName("t1", routes)).toBe("prod Quay → CI");
    expect(routeName("gone123456", routes)).toBe("deleted route (gone12…)");
    expect(routeName(null, routes)).toBe("—");
  });
});
