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
