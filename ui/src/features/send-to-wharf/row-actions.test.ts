import { describe, expect, it } from "vitest";
import type { DeliverySummary } from "../../lib/api";
import { createFeed } from "../../lib/feed";
import { RowActions } from "./row-actions.svelte";

describe("RowActions.run", () => {
  it("is busy while the action runs, then reports the change", async () => {
    let changed = 0;
    const row = new RowActions(() => changed++);
    let finish!: () => void;
    const running = row.run(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(row.busy).toBe(true);
    finish();
    await running;
    expect(row.busy).toBe(false);
    expect(changed).toBe(1);
    expect(row.error).toBeNull();
  });

  it("keeps the error on the row and reports no change", async () => {
    let changed = 0;
    const row = new RowActions(() => changed++);
    await row.run(() => Promise.reject({ kind: "forbidden", message: "Quay said 403" }));
    expect(row.error).toEqual({ kind: "forbidden", message: "Quay said 403" });
    expect(row.busy).toBe(false);
    expect(changed).toBe(0);
    await row.run(() => Promise.resolve());
    expect(row.error).toBeNull();
  });
});

describe("RowActions.test", () => {
  const delivery = (routeToken: string): DeliverySummary =>
    ({ id: 1, receivedAt: Date.now(), routeToken }) as DeliverySummary;

  it("watches one test at a time and stops with the row", async () => {
    let push: ((d: DeliverySummary) => void) | null = null;
    const feed = createFeed(async (on) => {
      push = on;
    });
    const row = new RowActions(() => {});
    const seen: string[] = [];
    const start = () =>
      row.test(
        { token: "tok", diagnosis: "nothing came", send: async () => {}, listen: feed.listen },
        (s) => seen.push(s.phase),
      );
    start();
    start(); // a second click replaces the first watch
    await new Promise((r) => setTimeout(r, 0));
    expect(feed.listenerCount()).toBe(1);
    push!(delivery("tok"));
    expect(row.wait.phase).toBe("arrived");
    expect(seen[seen.length - 1]).toBe("arrived");
    expect(feed.listenerCount()).toBe(0);

    start();
    await new Promise((r) => setTimeout(r, 0));
    expect(feed.listenerCount()).toBe(1);
    row.stop();
    expect(feed.listenerCount()).toBe(0);
  });
});
