import { describe, expect, it } from "vitest";
import type { DeliverySummary } from "../../lib/api";
import { mergeNewest } from "./deliveries";

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
});

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
