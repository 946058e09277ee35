import { describe, expect, it } from "vitest";
import { anchoredScrollTop, nearEnd, scrollToShow, visibleWindow } from "./virtual";

describe("visibleWindow", () => {
  it("renders the visible rows plus overscan at the top", () => {
    expect(visibleWindow({ scrollTop: 0, height: 320, rowHeight: 32, count: 100_000, overscan: 5 })).toEqual({
      start: 0,
      end: 15,
      offset: 0,
      total: 3_200_000,
    });
  });

  it("renders a small window deep in 100k rows", () => {
    const w = visibleWindow({ scrollTop: 1_600_000, height: 320, rowHeight: 32, count: 100_000, overscan: 5 });
    expect(w).toEqual({ start: 49_995, end: 50_015, offset: 49_995 * 32, total: 3_200_000 });
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
    });
    expect(visibleWindow({ scrollTop: 50, height: 100, rowHeight: 10, count: 0 })).toEqual({
      start: 0,
      end: 0,
      offset: 0,
      total: 0,
    });
  });
});

describe("nearEnd", () => {
  it("is true within the threshold of the loaded rows", () => {
    const w = { start: 80, end: 95, offset: 0, total: 0 };
    expect(nearEnd(w, 100, 10)).toBe(true);
    expect(nearEnd(w, 200, 10)).toBe(false);
  });
});

describe("scrollToShow", () => {
  it("scrolls up or down just enough, or not at all", () => {
    expect(scrollToShow(2, 100, 100, 20)).toBe(40);
    expect(scrollToShow(10, 100, 100, 20)).toBe(120);
    expect(scrollToShow(6, 100, 100, 20)).toBeNull();
  });
});

describe("anchoredScrollTop", () => {
  it("keeps a scrolled list on its rows and a list at the top at the top", () => {
    expect(anchoredScrollTop(0, 3, 32)).toBe(0);
    expect(anchoredScrollTop(640, 3, 32)).toBe(736);
  });
});
