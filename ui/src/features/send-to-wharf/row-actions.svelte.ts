// What a row of registry-side things (a Quay notification, a DTR webhook) does to its item:
// one action at a time with its error kept on the row, and a test delivery being watched.
import type { CommandError } from "../../lib/api";
import { testAndWait, type TestAndWait, type WaitState } from "./wait";

export class RowActions {
  busy = $state(false);
  error = $state<CommandError | null>(null);
  wait = $state<WaitState>({ phase: "idle" });
  #cancelWait: (() => void) | null = null;

  /** `changed` runs after every action that succeeded (the list reloads). */
  constructor(private readonly changed: () => void) {}

  /** Runs `action`; its error stays on the row until the next one. */
  run = async (action: () => Promise<unknown>): Promise<void> => {
    this.busy = true;
    this.error = null;
    try {
      await action();
      this.changed();
    } catch (e) {
      this.error = e as CommandError;
    } finally {
      this.busy = false;
    }
  };

  /** Starts a test and watches for its delivery, dropping the previous watch. */
  test = (t: Omit<TestAndWait, "onState">, onState?: (s: WaitState) => void): void => {
    this.stop();
    this.error = null;
    this.#cancelWait = testAndWait({
      ...t,
      onState: (s) => {
        this.wait = s;
        onState?.(s);
      },
    });
  };

  /** Stops watching (the row goes away). */
  stop = (): void => {
    this.#cancelWait?.();
    this.#cancelWait = null;
  };
}
