// Window arithmetic for the virtualised delivery list: fixed-height rows, only the visible ones
// (plus a few either side) in the DOM, a spacer standing in for the rest.

export type Viewport = {
  scrollTop: number;
  /** The scroll container's client height. */
  height: number;
  rowHeight: number;
  count: number;
  /** Rows rendered beyond each edge so fast scrolling does not flash blank. */
  overscan?: number;
};

export type VisibleWindow = {
  /** First row index to render. */
  start: number;
  /** One past the last row index to render. */
  end: number;
  /** Offset of row `start` from the top of the content, in pixels. */
  offset: number;
  /** Height of all rows, in pixels. */
  total: number;
};

export function visibleWindow({ scrollTop, height, rowHeight, count, overscan = 8 }: Viewport): VisibleWindow {
  const total = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, total };
  const top = Math.max(0, Math.min(scrollTop, total));
  const first = Math.floor(top / rowHeight);
  const lastVisible = Math.ceil((top + Math.max(0, height)) / rowHeight);
  const start = Math.max(0, Math.min(count - 1, first - overscan));
  const end = Math.min(count, Math.max(start + 1, lastVisible + overscan));
  return { start, end, offset: start * rowHeight, total };
}

/** Whether the rendered window comes within `threshold` rows of the loaded rows' end. */
export const nearEnd = (w: VisibleWindow, count: number, threshold: number): boolean =>
  count - w.end <= threshold;

/**
 * The scrollTop that brings row `index` fully into view, or null when it already is.
 */
export function scrollToShow(
  index: number,
  scrollTop: number,
  height: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + height) return Math.max(0, bottom - height);
  return null;
}

/**
 * Where to scroll after `added` rows went in above the old first row: a list at the very top
 * stays there (showing the new rows), a scrolled one moves down with its rows.
 */
export const anchoredScrollTop = (scrollTop: number, added: number, rowHeight: number): number =>
  scrollTop <= 0 ? 0 : scrollTop + added * rowHeight;
