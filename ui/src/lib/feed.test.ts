import { describe, expect, it, vi } from "vitest";
import type { DeliverySummary } from "./api";
import { createFeed, type DeliveryListener } from "./feed";

const d = (id: number, routeToken: string | null = "t"): DeliverySummary => ({
  id,
  receivedAt: id,
  method: "POST",
  path: `/hooks/${routeToken}`,
  size: 2,
  routeToken,
  status: 200,
  source: "quay",
  event: "repo_push",
  repository: "ns/r",
  summary: null,
  alert: null,
  forward: null,
});

describe("createFeed", () => {
  it("subscribes once and fans deliveries out to every listener", async () => {
    let push: DeliveryListener = () => {};
    const subscribe = vi.fn(async (cb: DeliveryListener) => {
      push = cb;
    });
    const feed = createFeed(subscribe);
    const a: number[] = [];
    const b: number[] = [];
    await feed.listen((x) => a.push(x.id)).ready;
    await feed.listen((x) => b.push(x.id)).ready;
    push(d(1));
    push(d(2));
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([1, 2]);
  });

  it("stops delivering to a listener once it stops", async () => {
    let push: DeliveryListener = () => {};
    const feed = createFeed(async (cb) => {
      push = cb;
    });
    const got: number[] = [];
    const l = feed.listen((x) => got.push(x.id));
    await l.ready;
    push(d(1));
    l.stop();
    l.stop();
    push(d(2));
    expect(got).toEqual([1]);
    expect(feed.listenerCount()).toBe(0);
  });

  it("keeps two registrations of one function apart", async () => {
    let push: DeliveryListener = () => {};
    const feed = createFeed(async (cb) => {
      push = cb;
    });
    const got: number[] = [];
    const fn = (x: DeliverySummary) => got.push(x.id);
    const first = feed.listen(fn);
    feed.listen(fn);
    await first.ready;
    first.stop();
    push(d(7));
    expect(got).toEqual([7]);
  });

  it("a throwing listener does not stop the others", async () => {
    let push: DeliveryListener = () => {};
    const feed = createFeed(async (cb) => {
      push = cb;
    });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const got: number[] = [];
    feed.listen(() => {
      throw new Error("boom");
    });
    await feed.listen((x) => got.push(x.id)).ready;
    push(d(3));
    expect(got).toEqual([3]);
    error.mockRestore();
  });

  it("retries the subscription after a failure", async () => {
    const subscribe = vi
      .fn<(cb: DeliveryListener) => Promise<void>>()
      .mockRejectedValueOnce({ kind: "internal", message: "no" })
      .mockResolvedValue(undefined);
    const feed = createFeed(subscribe);
    await expect(feed.listen(() => {}).ready).rejects.toEqual({ kind: "internal", message: "no" });
    await expect(feed.listen(() => {}).ready).resolves.toBeUndefined();
    expect(subscribe).toHaveBeenCalledTimes(2);
  });
});
