// The overview's logic, kept out of the components: filters, sort, counts, which bulk actions
// apply to a selection, and how results change the rows.
import type {
  ActionItem,
  ActionResult,
  BulkAction,
  FleetRow,
  FleetState,
  Target,
} from "../../lib/api";

export const STATES: FleetState[] = ["ok", "failing", "disabled", "inactive"];

export const STATE_LABELS: Record<FleetState, string> = {
  ok: "OK",
  failing: "Failing",
  disabled: "Disabled by Quay",
  inactive: "Inactive on DTR",
};

/** `ns/repo`, or `ns (namespace)` for a DTR namespace webhook. */
export const targetLabel = (t: Target): string =>
  t.repository == null ? `${t.namespace} (namespace)` : `${t.namespace}/${t.repository}`;

/** One key per notification across connections. */
export const rowKey = (r: { connectionId: string; target: Target; id: string }): string =>
  `${r.connectionId}\u0000${targetLabel(r.target)}\u0000${r.id}`;

export const targetKey = (connectionId: string, t: Target): string =>
  `${connectionId}\u0000${targetLabel(t)}`;

/** The host (and port) a webhook posts to, or "" for other methods. */
export function hostOf(r: FleetRow): string {
  if (!r.url) return "";
  try {
    return new URL(r.url).host;
  } catch {
    return "";
  }
}

export type Filters = {
  /** Empty: every state. */
  states: FleetState[];
  event: string;
  method: string;
  host: string;
  namespace: string;
  text: string;
};

export const NO_FILTERS: Filters = {
  states: [],
  event: "",
  method: "",
  host: "",
  namespace: "",
  text: "",
};

export function matches(r: FleetRow, f: Filters): boolean {
  if (f.states.length > 0 && !f.states.includes(r.state)) return false;
  if (f.event && r.event !== f.event) return false;
  if (f.method && r.method !== f.method) return false;
  if (f.host && !hostOf(r).toLowerCase().includes(f.host.toLowerCase())) return false;
  if (f.namespace && r.target.namespace !== f.namespace) return false;
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = [
    r.connection,
    targetLabel(r.target),
    r.event,
    r.method,
    r.destination,
    r.title ?? "",
  ]
    .join("\n")
    .toLowerCase();
  return words.every((w) => text.includes(w));
}

export type SortKey = "registry" | "repository" | "event" | "destination" | "failures" | "state";

const STATE_ORDER: Record<FleetState, number> = { disabled: 0, failing: 1, inactive: 2, ok: 3 };

function sortValue(r: FleetRow, key: SortKey): string | number {
  switch (key) {
    case "registry":
      return r.connection;
    case "repository":
      return targetLabel(r.target);
    case "event":
      return r.event;
    case "destination":
      return r.destination;
    case "failures":
      return r.failures ?? -1;
    case "state":
      return STATE_ORDER[r.state];
  }
}

/** Sorted by `key`, ties broken by repository then id so the order is stable. */
export function sortRows(rows: FleetRow[], key: SortKey, descending = false): FleetRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    const c =
      typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    if (c !== 0) return sign * c;
    return targetLabel(a.target).localeCompare(targetLabel(b.target)) || a.id.localeCompare(b.id);
  });
}

export function countByState(rows: FleetRow[]): Record<FleetState, number> {
  const counts: Record<FleetState, number> = { ok: 0, failing: 0, disabled: 0, inactive: 0 };
  for (const r of rows) counts[r.state] += 1;
  return counts;
}

/** The distinct values of a column, sorted, for a filter's choices. */
export const distinct = (rows: FleetRow[], pick: (r: FleetRow) => string): string[] =>
  [...new Set(rows.map(pick).filter(Boolean))].sort();

export const ACTION_LABELS: Record<BulkAction, string> = {
  reset: "Reset failures",
  test: "Test",
  delete: "Delete",
  activate: "Resume",
  deactivate: "Pause",
};

/** Which rows of a selection an action applies to: reset is Quay's, pause and resume DTR's. */
export function applicable(action: BulkAction, rows: FleetRow[]): FleetRow[] {
  switch (action) {
    case "reset":
      return rows.filter((r) => r.registry === "quay");
    case "activate":
      return rows.filter((r) => r.registry === "dtr" && r.state === "inactive");
    case "deactivate":
      return rows.filter((r) => r.registry === "dtr" && r.state !== "inactive");
    case "test":
    case "delete":
      return rows;
  }
}

/** The confirmation's words: what will happen, and to what is left out. */
export function describeAction(action: BulkAction, rows: FleetRow[]): { lines: string[]; skipped: number } {
  const targets = applicable(action, rows);
  const verb: Record<BulkAction, string> = {
    reset: "reset the failure count of (re-enabling it in Quay)",
    test: "send a test delivery for",
    delete: "delete",
    activate: "resume",
    deactivate: "pause",
  };
  return {
    lines: targets.map(
      (r) => `${verb[action]} ${r.event} → ${r.destination} on ${targetLabel(r.target)} (${r.connection})`,
    ),
    skipped: rows.length - targets.length,
  };
}

/** The rows of a selection as each connection's action items. */
export function itemsByConnection(rows: FleetRow[]): Map<string, ActionItem[]> {
  const groups = new Map<string, ActionItem[]>();
  for (const r of rows) {
    const items = groups.get(r.connectionId) ?? [];
    items.push({ target: r.target, id: r.id });
    groups.set(r.connectionId, items);
  }
  return groups;
}

/** The rows after an action's results: deleted ones go, reset ones are OK, paused inactive. */
export function afterAction(
  rows: FleetRow[],
  connectionId: string,
  action: BulkAction,
  results: ActionResult[],
): FleetRow[] {
  const done = new Set(
    results.filter((r) => r.ok).map((r) => rowKey({ connectionId, target: r.item.target, id: r.item.id })),
  );
  const out: FleetRow[] = [];
  for (const row of rows) {
    if (!done.has(rowKey(row))) {
      out.push(row);
      continue;
    }
    if (action === "delete") continue;
    if (action === "reset") out.push({ ...row, state: "ok", failures: 0 });
    else if (action === "activate") out.push({ ...row, state: "ok" });
    else if (action === "deactivate") out.push({ ...row, state: "inactive" });
    else out.push(row);
  }
  return out;
}

/** "just now", "3 min ago", "2 h ago". */
export function ageText(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/**
 * Repositories matching a picker's name filter: words that must all occur, or a regular
 * expression between slashes (`/^api-/`). An invalid expression matches nothing and says why.
 */
export function pickTargets(
  targets: Target[],
  namespace: string,
  filter: string,
): { targets: Target[]; error: string | null } {
  let test: (name: string) => boolean;
  const f = filter.trim();
  const regex = /^\/(.*)\/([a-z]*)$/.exec(f);
  if (regex) {
    try {
      const re = new RegExp(regex[1], regex[2]);
      test = (name) => re.test(name);
    } catch (e) {
      return { targets: [], error: `Not a regular expression: ${(e as Error).message}` };
    }
  } else {
    const words = f.toLowerCase().split(/\s+/).filter(Boolean);
    test = (name) => words.every((w) => name.toLowerCase().includes(w));
  }
  return {
    targets: targets.filter(
      (t) =>
        t.repository != null &&
        (!namespace || t.namespace === namespace) &&
        test(`${t.namespace}/${t.repository}`),
    ),
    error: null,
  };
}
