// The inbox filters: what the filter bar holds, the Query it sends, and whether a live delivery
// belongs in the list under them. The matching mirrors `Store::list` on the Rust side.
import type { DeliverySummary, Query, Source } from "../../lib/api";

export type SourceFilter = "any" | Source;

export const SOURCES: { value: SourceFilter; label: string }[] = [
  { value: "any", label: "Any source" },
  { value: "quay", label: "Quay" },
  { value: "dtr", label: "DTR" },
  { value: "unknown", label: "Unknown" },
];

export type InboxFilters = {
  source: SourceFilter;
  event: string;
  repository: string;
  route: string;
  text: string;
};

export const emptyFilters = (): InboxFilters => ({
  source: "any",
  event: "",
  repository: "",
  route: "",
  text: "",
});

const blankToNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());

/** The query for `api.inboxList` / `api.inboxExport`. */
export function toQuery(
  f: InboxFilters,
  page: { limit?: number | null; before?: number | null } = {},
): Query {
  return {
    // Text is sent as typed (spaces inside count), but a blank field means no filter.
    text: f.text.trim() === "" ? null : f.text,
    source: f.source === "any" ? null : f.source,
    status: null,
    event: blankToNull(f.event),
    repository: blankToNull(f.repository),
    route: blankToNull(f.route),
    limit: page.limit ?? null,
    before: page.before ?? null,
  };
}

export const hasFilters = (f: InboxFilters): boolean =>
  f.source !== "any" || toQuery(f).text !== null || !!(f.event.trim() || f.repository.trim() || f.route.trim());

/** Same filters (as they would be sent), so an unchanged form does not reload. */
export const sameFilters = (a: InboxFilters, b: InboxFilters): boolean =>
  JSON.stringify(toQuery(a)) === JSON.stringify(toQuery(b));

/** SQLite's LIKE and COLLATE NOCASE fold ASCII letters only; do the same. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * Whether a delivery's source passes the source filter. A delivery recognition did not run on
 * (`source: null`) counts as unknown.
 */
export function sourceMatches(d: DeliverySummary, source: SourceFilter): boolean {
  if (source === "any") return true;
  return (d.source ?? "unknown") === source;
}

/**
 * Whether a delivery belongs in the list under `f`: "yes", "no", or "maybe" when only the free
 * text decides and it may be in the query string or body, which a summary does not carry (the
 * caller then asks the store).
 */
export function matchFilters(d: DeliverySummary, f: InboxFilters): "yes" | "no" | "maybe" {
  const q = toQuery(f);
  if (!sourceMatches(d, f.source)) return "no";
  if (q.event !== null && (d.event === null || asciiLower(d.event) !== asciiLower(q.event)))
    return "no";
  if (q.repository !== null && d.repository !== q.repository) return "no";
  if (q.route !== null && d.routeToken !== q.route) return "no";
  if (q.text === null) return "yes";
  const needle = asciiLower(q.text);
  const seen = [d.summary, d.path, d.repository, d.event];
  return seen.some((s) => s !== null && asciiLower(s).includes(needle)) ? "yes" : "maybe";
}

/** Distinct non-empty values of one field, sorted, for the filter inputs' suggestions. */
export function distinctValues(
  rows: DeliverySummary[],
  field: "event" | "repository" | "routeToken",
  max = 200,
): string[] {
  const seen = new Set<string>();
  for (const d of rows) {
    const v = d[field];
    if (v) seen.add(v);
    if (seen.size >= max) break;
  }
  return [...seen].sort((a, b) => a.localeCompare(b));
}
