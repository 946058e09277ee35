import { describe, expect, it } from "vitest";
import type { DeliverySummary } from "../../lib/api";
import { insertRows, mergeNewest } from "./deliveries";

const d = (id: number, summary = `d${id}`): DeliverySummary => ({
  id,
  receivedAt: id * 1000,
  method: "POST",
  path: "/hooks/t",
  size: 2,
  routeToken: "t",
  status: 200,
  source: "quay",
  event: "repo_push",
  repository: "ns/r",
  summary,
  alert: null,
  forward: null,
});
const ids = (rows: DeliverySummary[]) => rows.map((x) => x.id);

describe("mergeNewest", () => {
  it("orders newest first and drops duplicates from the overlap of list and live feed", () => {
    const live = [d(5), d(4)];
    const listed = [d(4), d(3), d(1)];
    expect(mergeNewest(live, listed).map((x) => x.id)).toEqual([5, 4, 3, 1]);
  });

  it("keeps the incoming copy of a row seen twice", () => {
    expect(mergeNewest([d(1, "old")], [d(1, "new")])[0].summary).toBe("new");
  });
});

describe("insertRows", () => {
  it("puts newer rows in front and counts them", () => {
    const r = insertRows([d(5), d(4)], [d(6), d(8), d(7)]);
    expect(ids(r.rows)).toEqual([8, 7, 6, 5, 4]);
    expect(r.addedAbove).toBe(3);
  });

  it("appends an older page behind", () => {
    const r = insertRows([d(9), d(8)], [d(7), d(5)]);
    expect(ids(r.rows)).toEqual([9, 8, 7, 5]);
    expect(r.addedAbove).toBe(0);
  });

  it("merges overlapping rows without duplicates", () => {
    const r = insertRows([d(9), d(7), d(5)], [d(10), d(7), d(6)]);
    expect(ids(r.rows)).toEqual([10, 9, 7, 6, 5]);
    expect(r.addedAbove).toBe(1);
  });

  it("returns the same list when nothing comes in, and sorts into an empty one", () => {
    const current = [d(2)];
    expect(insertRows(current, []).rows).toBe(current);
    expect(ids(insertRows([], [d(1), d(3)]).rows)).toEqual([3, 1]);
  });
});
