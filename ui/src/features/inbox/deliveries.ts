import type { DeliverySummary } from "../../lib/api";

/** Merges `incoming` into `current`, newest (highest id) first, without duplicates. */
export function mergeNewest(
  current: DeliverySummary[],
  incoming: DeliverySummary[],
): DeliverySummary[] {
  const byId = new Map<number, DeliverySummary>();
  for (const d of current) byId.set(d.id, d);
  for (const d of incoming) byId.set(d.id, d);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/**
 * Like {@link mergeNewest}, but without re-sorting a long list in the common cases: rows all
 * newer than the first (live deliveries) are put in front, rows all older than the last (the
 * next page) behind. Returns the new list and how many rows went in front of the old first row,
 * so a scrolled list can keep its place.
 */
export function insertRows(
  current: DeliverySummary[],
  incoming: DeliverySummary[],
): { rows: DeliverySummary[]; addedAbove: number } {
  if (incoming.length === 0) return { rows: current, addedAbove: 0 };
  if (current.length === 0) {
    const rows = mergeNewest([], incoming);
    return { rows, addedAbove: 0 };
  }
  const first = current[0].id;
  const last = current[current.length - 1].id;
  if (incoming.every((d) => d.id > first)) {
    const above = mergeNewest([], incoming);
    return { rows: above.concat(current), addedAbove: above.length };
  }
  if (incoming.every((d) => d.id < last)) {
    return { rows: current.concat(mergeNewest([], incoming)), addedAbove: 0 };
  }
  const rows = mergeNewest(current, incoming);
  const firstIndex = rows.findIndex((d) => d.id === first);
  return { rows, addedAbove: Math.max(0, firstIndex) };
}
