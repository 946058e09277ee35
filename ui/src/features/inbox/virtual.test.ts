import { describe, expect, it } from "vitest";
import { anchoredScrollTop, contentTop, MAX_SPACER, nearEnd, scrollToShow, scrollTopFor, visibleWindow } from "./virtual";

describe("visibleWindow", () => {
  it("renders the visible rows plus overscan at the top", () => {
    expect(visibleWindow({ scrollTop: 0, height: 320, rowHeight: 32, count: 100_000, overscan: 5 })).toEqual({
      start: 0,
      end: 15,
      offset: 0,
      total: 3_200_000,
      spacer: 3_200_000,
    });
  });

  it("renders a small window deep in 100k rows", () => {
    const w = visibleWindow({ scrollTop: 1_600_000, height: 320, rowHeight: 32, count: 100_000, overscan: 5 });
    expect(w).toEqual({ start: 49_995, end: 50_015, offset: 49_995 * 32, total: 3_200_000, spacer: 3_200_000 });
    expect(w.end - w.start).toBeLessThan(30);
  });

  it("handles a partial row and the end of the list", () => {
    const w = visibleWindow({ scrollTop: 3_200_000 - 300, height: 300, rowHeight: 32, count: 100_000, overscan: 2 });
    expect(w.end).toBe(100_000);
    expect(w.start).toBe(Math.floor((3_200_000 - 300) / 32) - 2);
  });

  it("clamps a scroll position beyond the content (after a clear)", () => {
    expect(visibleWindow({ scrollTop: 9_999, height: 100, rowHeight: 10, count: 3, overscan: 1 })).toEqual({
      start: 2,
      end: 3,
      offset: 20,
      total: 30,
      spacer: 30,
    });
    expect(visibleWindow({ scrollTop: 50, height: 100, rowHeight: 10, count: 0 })).toEqual({
      start: 0,
      end: 0,
      offset: 0,
      total: 0,
      spacer: 0,
    });
  });
});

describe("nearEnd", () => {
  it("is true within the threshold of the loaded rows", () => {
    const w = { start: 80, end: 95, offset: 0, total: 0, spacer: 0 };
    expect(nearEnd(w, 100, 10)).toBe(true);
    expect(nearEnd(w, 200, 10)).toBe(false);
  });
});

describe("scrollToShow", () => {
  it("scrolls up or down just enough, or not at all", () => {
    expect(scrollToShow(2, 100, 100, 20, 50)).toBe(40);
    expect(scrollToShow(10, 100, 100, 20, 50)).toBe(120);
    expect(scrollToShow(6, 100, 100, 20, 50)).toBeNull();
  });
});

describe("anchoredScrollTop", () => {
  it("keeps a scrolled list on its rows and a list at the top at the top", () => {
    expect(anchoredScrollTop(0, 3, 32, 100, 320)).toBe(0);
    expect(anchoredScrollTop(640, 3, 32, 100, 320)).toBe(736);
  });
});

describe("past WebKit's layout height", () => {
  const ROW = 32;
  const HEIGHT = 640;
  // Pixel positions are fractions once scaled; a row is where it should be within a pixel.
  const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-6 * Math.max(1, Math.abs(b)));

  it("caps the spacer for millions of rows, under 2^25 pixels", () => {
    for (const count of [250_000, 1_000_000, 10_000_000]) {
      const w = visibleWindow({ scrollTop: 0, height: HEIGHT, rowHeight: ROW, count });
      expect(w.total).toBe(count * ROW);
      expect(w.spacer).toBe(Math.min(count * ROW, MAX_SPACER));
      expect(w.spacer).toBeLessThan(2 ** 25);
    }
  });

  it("maps the scrollbar's whole range onto every row: top, middle, last", () => {
    const count = 2_000_000;
    const spacer = MAX_SPACER;
    const top = visibleWindow({ scrollTop: 0, height: HEIGHT, rowHeight: ROW, count, overscan: 0 });
    expect([top.start, top.offset]).toEqual([0, 0]);
    // Half way down the scrollbar shows the middle row.
    const middle = (spacer - HEIGHT) / 2;
    const mid = visibleWindow({ scrollTop: middle, height: HEIGHT, rowHeight: ROW, count, overscan: 0 });
    const midRow = (count * ROW - HEIGHT) / 2 / ROW;
    expect(mid.start).toBe(Math.floor(midRow));
    // Rendered at the viewport's top, less the part of it scrolled past.
    near(mid.offset, middle - (midRow - mid.start) * ROW);
    // The bottom shows the last row, ending exactly at the spacer's end.
    const end = visibleWindow({ scrollTop: spacer - HEIGHT, height: HEIGHT, rowHeight: ROW, count, overscan: 3 });
    expect(end.end).toBe(count);
    near(end.offset + (end.end - end.start) * ROW, spacer);
    expect(end.end - end.start).toBeLessThan(HEIGHT / ROW + 8);
  });

  it("converts between scroll positions and rows both ways", () => {
    const total = 5_000_000 * ROW;
    for (const s of [0, 1, 12_345.5, MAX_SPACER - HEIGHT]) {
      near(scrollTopFor(contentTop(s, total, HEIGHT), total, HEIGHT), s);
    }
    // Below the cap nothing is scaled.
    expect(contentTop(777, 1_000 * ROW, HEIGHT)).toBe(777);
  });

  it("keyboard moves bring the row into view at any depth", () => {
    const count = 3_000_000;
    for (const index of [0, 1_234_567, count - 1]) {
      const scrollTop = scrollToShow(index, 0, HEIGHT, ROW, count);
      const w = visibleWindow({ scrollTop: scrollTop ?? 0, height: HEIGHT, rowHeight: ROW, count, overscan: 0 });
      expect(index).toBeGreaterThanOrEqual(w.start);
      expect(index).toBeLessThan(w.end);
      // The row's rendered position lies inside the viewport.
      const y = w.offset + (index - w.start) * ROW - (scrollTop ?? 0);
      expect(y).toBeGreaterThanOrEqual(-1e-6);
      expect(y + ROW).toBeLessThanOrEqual(HEIGHT + 1e-6);
      // Shown already: no move.
      expect(scrollToShow(index, scrollTop ?? 0, HEIGHT, ROW, count)).toBeNull();
    }
  });

  it("keeps a scrolled list on its rows when live rows go in above them", () => {
    const count = 1_500_000;
    const before = 4_000_000;
    const old = visibleWindow({ scrollTop: before, height: HEIGHT, rowHeight: ROW, count, overscan: 0 });
    const added = 25;
    const after = anchoredScrollTop(before, added, ROW, count + added, HEIGHT);
    const now = visibleWindow({ scrollTop: after, height: HEIGHT, rowHeight: ROW, count: count + added, overscan: 0 });
    // The row that was at the top is at the top still, at the same place on screen.
    expect(now.start).toBe(old.start + added);
    near(now.offset - after, old.offset - before);
  });
});
