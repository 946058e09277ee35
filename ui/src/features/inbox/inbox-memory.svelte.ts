// What the Inbox keeps while another screen is shown: its filters and replay target, how many
// deliveries arrived meanwhile (the badge on its nav item), and a delivery another part of the
// app asked it to open (a clicked toast, a notification's Test result).
import { emptyFilters, type InboxFilters } from "./filters";

export class InboxMemory {
  filters = $state<InboxFilters>(emptyFilters());
  replayUrl = $state("");
  /** Deliveries that arrived while the Inbox was not shown. */
  unread = $state(0);
  /** Set by `open`; the Inbox takes it when it shows. `delivery` null: just the Inbox. */
  openRequest = $state<{ delivery: number | null } | null>(null);
  #shown = false;

  /** `count` deliveries arrived. */
  arrived = (count = 1): void => {
    if (!this.#shown) this.unread += count;
  };

  /** The Inbox is on screen (true) or another screen is (false). */
  setShown = (shown: boolean): void => {
    this.#shown = shown;
    if (shown) this.unread = 0;
  };

  /** Asks for the Inbox, with `delivery` open when given. */
  open = (delivery: number | null): void => {
    this.openRequest = { delivery };
  };

  /** The delivery to open now, if one was asked for (once). */
  takeOpenRequest = (): number | null => {
    const request = this.openRequest;
    this.openRequest = null;
    return request?.delivery ?? null;
  };
}

/** The app's one Inbox memory. */
export const inboxMemory = new InboxMemory();

/** What the export button says: how many deliveries it writes, and that they are the filtered
 *  ones when filters apply. `count` null: not known yet. */
export function exportLabel(count: number | null, filtered: boolean): string {
  if (count === 0) return filtered ? "No deliveries match (filtered)" : "Nothing to export";
  const n = count === null ? "" : `${count.toLocaleString("en-US")} `;
  const noun = count === 1 ? "delivery" : "deliveries";
  return filtered ? `Export ${n}${noun} (filtered)` : count === null ? `Export all ${noun}` : `Export all ${n}${noun}`;
}

/** The badge on the Inbox nav item: empty when there is nothing new, capped at "99+". */
export const badgeText = (unread: number): string => (unread <= 0 ? "" : unread > 99 ? "99+" : String(unread));
