// The inbox list's state: pages loaded newest first under the applied filters, live deliveries
// put in as they come (once per frame), and a refresh of the newest matches when a live one may
// match through text a summary does not carry. Answers to an earlier reload are dropped.
import type { CommandError, DeliveryForward, DeliverySummary, Query } from "../../lib/api";
import { withStates } from "../forward/forward";
import { insertRows } from "./deliveries";
import { emptyFilters, matchFilters, toQuery, type InboxFilters } from "./filters";

/** Rows per page; the store caps a page at 1000. */
export const PAGE = 500;
/** Rows per page while catching up with the newest matches. */
const HEAD_PAGE = 100;
/** Pages of catching up before starting over is cheaper. */
const HEAD_PAGES = 10;
/** Rows kept while the view shows the top of the list and live deliveries pour in: older ones
 *  are dropped and come back as pages when scrolled to. A flood otherwise keeps every row it
 *  brought in the webview's memory (about 1.5 kB each). */
export const LIVE_KEEP = 2 * PAGE;

export class InboxList {
  // Rows are many and never edited in place: a raw array, replaced on every change.
  rows = $state.raw<DeliverySummary[]>([]);
  error = $state<CommandError | null>(null);
  exhausted = $state(false);
  firstPageIn = $state(false);
  /** The filters the rows were loaded with. */
  applied = $state.raw<InboxFilters>(emptyFilters());
  /** Bumped on every reload; a view keyed on it starts over (scroll position). */
  generation = $state(0);
  /** Whether the view shows the top of the list (the view sets it): only then are rows past
   *  [LIVE_KEEP] dropped, so nothing moves under a reader scrolled down. */
  atTop = true;
  #loadingFor = $state<number | null>(null);
  /** `before` for the next page: the id of the last row loaded. */
  #cursor: number | null = null;
  #pendingLive: DeliverySummary[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #headTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly list: (query: Query) => Promise<DeliverySummary[]>) {}

  get loading(): boolean {
    return this.#loadingFor === this.generation;
  }

  /** Starts over under `filters` (the applied ones when not given). */
  reload = (filters: InboxFilters = this.applied): void => {
    this.applied = filters;
    this.generation += 1;
    this.atTop = true; // the view starts over at the top
    this.rows = [];
    this.#cursor = null;
    this.exhausted = false;
    this.firstPageIn = false;
    this.#pendingLive = [];
    this.error = null;
    void this.loadMore();
  };

  /** Loads the next older page. */
  loadMore = async (): Promise<void> => {
    const mine = this.generation;
    if (this.exhausted || this.#loadingFor === mine) return;
    this.#loadingFor = mine;
    try {
      const page = await this.list(toQuery(this.applied, { limit: PAGE, before: this.#cursor }));
      if (mine !== this.generation) return;
      if (page.length > 0) this.#cursor = page[page.length - 1].id;
      if (page.length < PAGE) this.exhausted = true;
      this.rows = insertRows(this.rows, page).rows;
      this.firstPageIn = true;
    } catch (e) {
      if (mine === this.generation) this.#fail(e as CommandError);
    } finally {
      if (this.#loadingFor === mine) this.#loadingFor = null;
    }
  };

  /** Puts in the forwarding states just read for some rows. */
  updateForward = (states: DeliveryForward[]): void => {
    this.rows = withStates(this.rows, states);
  };

  /** A delivery from the live feed. */
  offer = (d: DeliverySummary): void => {
    const match = matchFilters(d, this.applied);
    if (match === "yes") {
      this.#pendingLive.push(d);
      this.#flushTimer ??= setTimeout(this.#flushLive, 16);
    } else if (match === "maybe") {
      this.#headTimer ??= setTimeout(this.#refreshHead, 300);
    }
  };

  /** Stops the timers (the view is gone). */
  stop = (): void => {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    if (this.#headTimer) clearTimeout(this.#headTimer);
    this.#flushTimer = this.#headTimer = null;
  };

  #fail(e: CommandError) {
    // A superseded search belongs to filters no longer shown.
    if (e.kind !== "superseded") this.error = e;
  }

  #flushLive = () => {
    this.#flushTimer = null;
    const batch = this.#pendingLive;
    this.#pendingLive = [];
    if (batch.length === 0) return;
    let rows = insertRows(this.rows, batch).rows;
    // A page on its way was asked for below the rows dropped: it is not cut here.
    if (this.atTop && rows.length > LIVE_KEEP && !this.loading) {
      rows = rows.slice(0, LIVE_KEEP);
      this.#cursor = rows[rows.length - 1].id;
      this.exhausted = false;
    }
    this.rows = rows;
  };

  // Asks the store for the newest matches, page by page until they reach the rows shown.
  #refreshHead = () => {
    this.#headTimer = null;
    // The first page is still coming and will hold these anyway.
    if (!this.firstPageIn) return;
    const mine = this.generation;
    const top = this.rows[0]?.id ?? 0;
    (async () => {
      let before: number | null = null;
      for (let pages = 0; ; pages++) {
        if (pages === HEAD_PAGES) return this.reload(); // far behind: start over
        const page = await this.list(toQuery(this.applied, { limit: HEAD_PAGE, before }));
        if (mine !== this.generation) return;
        this.rows = insertRows(this.rows, page.filter((d) => d.id > top)).rows;
        const last = page[page.length - 1];
        if (!last || last.id <= top || page.length < HEAD_PAGE) return;
        before = last.id;
      }
    })().catch((e: CommandError) => this.#fail(e));
  };
}
