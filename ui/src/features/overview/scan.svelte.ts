// The overview's scan and its cached result. One instance for the app's lifetime, so leaving
// the screen keeps the rows and their age; a new scan replaces them as rows arrive.
import {
  api,
  toCommandError,
  type CommandError,
  type FleetProblem,
  type FleetRow,
  type ScanEvent,
  type ScanSummary,
  type Target,
} from "../../lib/api";
import { targetKey } from "./overview";

export class FleetScan {
  rows = $state.raw<FleetRow[]>([]);
  problems = $state.raw<FleetProblem[]>([]);
  /** Every repository and namespace seen, per connection, for the repository pickers. */
  targets = $state.raw<Map<string, Target[]>>(new Map());
  done = $state(0);
  total = $state<number | null>(null);
  running = $state(false);
  summary = $state<ScanSummary | null>(null);
  error = $state<CommandError | null>(null);
  /** When the last scan finished (ms since the epoch). */
  scannedAt = $state<number | null>(null);
  #generation = 0;

  start = async (connectionIds: string[], namespace: string | null = null): Promise<void> => {
    const mine = ++this.#generation;
    this.running = true;
    this.error = null;
    this.summary = null;
    this.done = 0;
    this.total = null;
    // The previous rows stay until the new scan's first answer, so the table does not blink.
    let first = true;
    const startOver = () => {
      if (!first) return;
      first = false;
      this.rows = [];
      this.problems = [];
      this.targets = new Map();
    };
    // Rows arrive in bursts; batching them per animation frame keeps the table responsive.
    let pending: FleetRow[] = [];
    let flush: ReturnType<typeof setTimeout> | null = null;
    const push = () => {
      flush = null;
      if (mine !== this.#generation || pending.length === 0) return;
      this.rows = this.rows.concat(pending);
      pending = [];
    };
    const seen = new Set<string>();
    const onEvent = (e: ScanEvent) => {
      if (mine !== this.#generation) return;
      switch (e.kind) {
        case "targets":
          this.total = e.total;
          break;
        case "rows": {
          startOver();
          const key = targetKey(e.connectionId, e.target);
          if (!seen.has(key)) {
            seen.add(key);
            const list = this.targets.get(e.connectionId) ?? [];
            this.targets = new Map(this.targets).set(e.connectionId, [...list, e.target]);
          }
          pending.push(...e.rows);
          flush ??= setTimeout(push, 16);
          break;
        }
        case "problem":
          startOver();
          this.problems = [...this.problems, e];
          break;
        case "progress":
          this.done = e.done;
          break;
      }
    };
    try {
      const summary = await api.fleetScan(connectionIds, namespace, onEvent);
      if (mine !== this.#generation) return;
      startOver();
      push();
      this.summary = summary;
      this.scannedAt = Date.now();
    } catch (e) {
      if (mine === this.#generation) this.error = toCommandError(e);
    } finally {
      if (mine === this.#generation) this.running = false;
    }
  };

  cancel = async (): Promise<void> => {
    await api.fleetCancel();
  };

  /** Replaces the rows (after a bulk action changed some). */
  update = (rows: FleetRow[]): void => {
    this.rows = rows;
  };
}

export const fleetScan = new FleetScan();
