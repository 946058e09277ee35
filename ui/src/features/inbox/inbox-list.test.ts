import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliverySummary, Query } from "../../lib/api";
import { emptyFilters } from "./filters";
import { InboxList, LIVE_KEEP, PAGE } from "./inbox-list.svelte";

const d = (id: number, summary = `push ${id}`): DeliverySummary => ({
  id,
  receivedAt: id,
  method: "POST",
  path: "/hooks/t",
  size: 1,
  routeToken: "t",
  status: 200,
  source: "quay",
  event: "repo_push",
  repository: "a/b",
  summary,
  alert: null,
  forward: null,
});

/** A store of `count` deliveries answering like `Store::list` (newest first, `before`). */
const store = (count: number) => {
  const asked: Query[] = [];
  const all = Array.from({ length: count }, (_, i) => d(i + 1));
  const list = async (q: Query) => {
    asked.push(q);
    return all
      .filter((x) => q.before === null || x.id < q.before)
      .reverse()
      .slice(0, q.limit ?? 100);
  };
  return { all, asked, list };
};

const settle = () => vi.runAllTimersAsync();

describe("InboxList", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
  afterEach(() => vi.useRealTimers());

  it("pages newest first until the store runs out", async () => {
    const s = store(PAGE + 20);
    const list = new InboxList(s.list);
    list.reload();
    await vi.runAllTimersAsync();
    expect(list.rows.length).toBe(PAGE);
    expect(list.exhausted).toBe(false);
    await list.loadMore();
    expect(list.rows.length).toBe(PAGE + 20);
    expect(list.rows[0].id).toBe(PAGE + 20);
    expect(list.exhausted).toBe(true);
    expect(s.asked[1].before).toBe(21);
  });

  it("drops a page that answers after a reload", async () => {
    let release!: (rows: DeliverySummary[]) => void;
    const slow = () => new Promise<DeliverySummary[]>((r) => (release = r));
    const list = new InboxList(slow);
    list.reload();
    const first = release;
    list.reload({ ...emptyFilters(), event: "repo_push" });
    first([d(99)]);
    await settle();
    expect(list.rows).toEqual([]);
    release([d(1)]);
    await settle();
    expect(list.rows.map((x) => x.id)).toEqual([1]);
  });

  it("puts matching live deliveries in front once per frame", async () => {
    const s = store(3);
    const list = new InboxList(s.list);
    list.reload();
    await vi.runAllTimersAsync();
    list.offer(d(4));
    list.offer(d(5));
    expect(list.rows[0].id).toBe(3);
    await vi.advanceTimersByTimeAsync(20);
    expect(list.rows.map((x) => x.id)).toEqual([5, 4, 3, 2, 1]);
    // Another source's delivery does not belong under a source filter.
    list.reload({ ...emptyFilters(), source: "dtr" });
    await vi.runAllTimersAsync();
    const before = list.rows.length;
    list.offer(d(6));
    await vi.advanceTimersByTimeAsync(20);
    expect(list.rows.length).toBe(before);
  });

  it("keeps the newest rows of a flood while the view shows the top, and pages back to the rest", async () => {
    const s = store(10);
    const list = new InboxList(s.list);
    list.reload();
    await settle();
    expect(list.exhausted).toBe(true);
    const flood = Array.from({ length: 3 * LIVE_KEEP }, (_, i) => d(11 + i));
    s.all.push(...flood);
    for (const x of flood) list.offer(x);
    await settle();
    expect(list.rows.length).toBe(LIVE_KEEP);
    expect(list.rows[0].id).toBe(10 + 3 * LIVE_KEEP);
    expect(list.exhausted).toBe(false);
    // Scrolled down, the dropped rows come back in order, with the first ten.
    list.atTop = false;
    while (!list.exhausted) await list.loadMore();
    expect(list.rows.map((x) => x.id)).toEqual(s.all.map((x) => x.id).reverse());
    // Not at the top, nothing is dropped.
    const more = Array.from({ length: LIVE_KEEP }, (_, i) => d(11 + 3 * LIVE_KEEP + i));
    for (const x of more) list.offer(x);
    await settle();
    expect(list.rows.length).toBe(10 + 4 * LIVE_KEEP);
  });

  it("asks the store when only the text could match, and ignores superseded searches", async () => {
    const s = store(5);
    const list = new InboxList(s.list);
    list.reload({ ...emptyFilters(), text: "in the body" });
    await vi.runAllTimersAsync();
    const asked = s.asked.length;
    list.offer(d(6, "no match in the summary"));
    await vi.advanceTimersByTimeAsync(400);
    expect(s.asked.length).toBe(asked + 1);
    expect(s.asked[asked].limit).toBe(100);

    const failing = new InboxList(() => Promise.reject({ kind: "superseded", message: "newer" }));
    failing.reload();
    await vi.runAllTimersAsync();
    expect(failing.error).toBeNull();
    const broken = new InboxList(() => Promise.reject({ kind: "storage", message: "disk" }));
    broken.reload();
    await vi.runAllTimersAsync();
    expect(broken.error?.kind).toBe("storage");
  });
});
