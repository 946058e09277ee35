// Window arithmetic for the virtualised delivery list: fixed-height rows, only the visible ones
// (plus a few either side) in the DOM, a spacer standing in for the rest.
//
// The spacer is at most MAX_SPACER pixels high: WebKit lays nothing out past about 33 million
// pixels (2^25), which 32-pixel rows reach at a million loaded rows. Beyond it the scroll
// position maps proportionally onto the rows' full height ("content" positions below): the
// scrollbar's top is the first row, its bottom the last, and one pixel of scrolling moves
// (rows × row height) / MAX_SPACER pixels of rows.

/** Highest spacer, in pixels: well under WebKit's 2^25 and Gecko's 17.8 million. */
export const MAX_SPACER = 8_000_000;

export type Viewport = {
  scrollTop: number;
  /** The scroll container's client height. */
  height: number;
  rowHeight: number;
  count: number;
  /** Rows rendered beyond each edge so fast scrolling does not flash blank. */
  overscan?: number;
  /** Highest spacer (tests use small ones). */
  maxSpacer?: number;
};

export type VisibleWindow = {
  /** First row index to render. */
  start: number;
  /** One past the last row index to render. */
  end: number;
  /** Offset of row `start` from the top of the spacer, in pixels. */
  offset: number;
  /** Height of all rows, in pixels. */
  total: number;
  /** Height of the spacer: `total`, or MAX_SPACER when the rows are higher. */
  spacer: number;
};

/** The spacer's height for rows `total` pixels high. */
export const spacerHeight = (total: number, maxSpacer = MAX_SPACER): number => Math.min(total, maxSpacer);

/** How many content pixels one scrolled pixel moves (1 unless the spacer is capped). */
function scale(total: number, height: number, maxSpacer: number): number {
  const spacer = spacerHeight(total, maxSpacer);
  if (spacer >= total || spacer <= height) return 1;
  return (total - height) / (spacer - height);
}

/** The position in the rows (as if all were laid out) shown at the top for `scrollTop`. */
export const contentTop = (scrollTop: number, total: number, height: number, maxSpacer = MAX_SPACER): number =>
  scrollTop * scale(total, height, maxSpacer);

/** The scrollTop that shows the rows' position `top` at the top: the inverse of contentTop. */
export const scrollTopFor = (top: number, total: number, height: number, maxSpacer = MAX_SPACER): number =>
  top / scale(total, height, maxSpacer);

export function visibleWindow({
  scrollTop,
  height,
  rowHeight,
  count,
  overscan = 8,
  maxSpacer = MAX_SPACER,
}: Viewport): VisibleWindow {
  const total = count * rowHeight;
  const spacer = spacerHeight(total, maxSpacer);
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, total, spacer };
  const scrolled = Math.max(0, Math.min(scrollTop, spacer));
  const top = Math.max(0, Math.min(contentTop(scrolled, total, height, maxSpacer), total));
  const first = Math.floor(top / rowHeight);
  const lastVisible = Math.ceil((top + Math.max(0, height)) / rowHeight);
  const start = Math.max(0, Math.min(count - 1, first - overscan));
  const end = Math.min(count, Math.max(start + 1, lastVisible + overscan));
  // Row `start` sits as far from the viewport's top as it does in the full rows.
  return { start, end, offset: scrolled + start * rowHeight - top, total, spacer };
}

/** Whether the rendered window comes within `threshold` rows of the loaded rows' end. */
export const nearEnd = (w: VisibleWindow, count: number, threshold: number): boolean =>
  count - w.end <= threshold;

/**
 * The scrollTop that brings row `index` of `count` fully into view, or null when it already is.
 */
export function scrollToShow(
  index: number,
  scrollTop: number,
  height: number,
  rowHeight: number,
  count: number,
  maxSpacer = MAX_SPACER,
): number | null {
  const total = count * rowHeight;
  const shown = contentTop(scrollTop, total, height, maxSpacer);
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < shown) return scrollTopFor(top, total, height, maxSpacer);
  if (bottom > shown + height) return scrollTopFor(Math.max(0, bottom - height), total, height, maxSpacer);
  return null;
}

/**
 * Where to scroll after `added` rows went in above the old first row (`count` rows now): a list
 * at the very top stays there (showing the new rows), a scrolled one moves down with its rows.
 */
export function anchoredScrollTop(
  scrollTop: number,
  added: number,
  rowHeight: number,
  count: number,
  height: number,
  maxSpacer = MAX_SPACER,
): number {
  if (scrollTop <= 0) return 0;
  const before = contentTop(scrollTop, (count - added) * rowHeight, height, maxSpacer);
  return scrollTopFor(before + added * rowHeight, count * rowHeight, height, maxSpacer);
}
