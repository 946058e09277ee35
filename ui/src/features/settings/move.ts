// Moving the receiver breaks every registry URL that points at its current address. Before a
// save moves it, Settings lists the notifications and webhooks (from the Overview's last scan)
// whose URL is a route of this inbox, and offers to point them at the new address afterwards.
import type { EnvOverride, FleetRow, RouteCheck, Settings } from "../../lib/api";
import { targetLabel } from "../overview/overview";

/** The settings that decide the address registries send to. */
const ADDRESS: readonly (keyof Settings)[] = ["receiverBind", "receiverPort", "publicBaseUrl"];

/** Whether saving `next` over `saved` changes where registries must send (a field the
 *  environment overrides does not move anything this run). */
export function movesReceiver(saved: Settings, next: Settings, overrides: EnvOverride[]): boolean {
  return ADDRESS.some((field) => !overrides.some((o) => o.field === field) && saved[field] !== next[field]);
}

/** A notification or webhook that delivers to one of this inbox's routes. */
export type UsesReceiver = {
  row: FleetRow;
  /** Its URL already points at an address the receiver left (a move before this one). */
  stale: boolean;
};

/** The rows whose URL is a route of this inbox, given `checks` for `urlsOf(rows)` in order. */
export function usingReceiver(rows: FleetRow[], checks: RouteCheck[]): UsesReceiver[] {
  const withUrl = rows.filter((r) => r.url);
  return withUrl.flatMap((row, i): UsesReceiver[] => {
    const check = checks[i];
    if (check?.kind === "current") return [{ row, stale: false }];
    if (check?.kind === "moved") return [{ row, stale: true }];
    return [];
  });
}

/** The URLs to check for `usingReceiver`, in its order. */
export function urlsOf(rows: FleetRow[]): string[] {
  return rows.flatMap((r) => (r.url ? [r.url] : []));
}

/** A notification in words: its title (or event) and where it is. */
export const usesLabel = (u: UsesReceiver): string => `${u.row.title || u.row.event} on ${targetLabel(u.row.target)}`;
