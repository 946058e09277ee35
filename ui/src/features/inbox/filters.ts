// The inbox filters: what the filter bar holds, the Query it sends, and whether a live delivery
// belongs in the list under them. The matching mirrors `Store::list` on the Rust side.
import type { DeliverySummary, HookRoute, Query, Source } from "../../lib/api";

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
  if (
    q.repository !== null &&
    (d.repository === null || !asciiLower(d.repository).includes(asciiLower(q.repository)))
  )
    return "no";
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

/** What the route filter shows for a route: its label, else what it stands for, else the start
 *  of its token. */
export function routeLabel(r: HookRoute): string {
  const label = r.label.trim();
  if (label) return label;
  const about = [r.repository, r.event].filter((s): s is string => !!s).join(" ");
  return about || `route ${r.token.slice(0, 6)}…`;
}

/** The route filter's choices, by label; a chosen route that is gone (deleted since) stays
 *  listed so the select still shows what filters the list. */
export function routeChoices(routes: HookRoute[], chosen: string): { token: string; label: string }[] {
  const choices = routes
    .map((r) => ({ token: r.token, label: routeLabel(r) }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const wanted = chosen.trim();
  if (wanted && !choices.some((c) => c.token === wanted)) {
    choices.push({ token: wanted, label: `route ${wanted.slice(0, 6)}… (deleted)` });
  }
  return choices;
}

/** The route a delivery came through, by name: "—" without one, and marked when the route has
 *  been deleted since (its deliveries stay). */
export function routeName(token: string | null, routes: HookRoute[]): string {
  if (!token) return "—";
  const route = routes.find((r) => r.token === token);
  return route ? routeLabel(route) : `deleted route (${token.slice(0, 6)}…)`;
}
