// Something loaded from Rust: its value, the error of the last load, whether one is running,
// and the rule every screen needs: an answer to an older load, arriving after a newer one was
// asked for, is dropped.
import { toCommandError, type CommandError } from "../lib/api";

export class Loadable<T> {
  value = $state.raw<T | null>(null);
  error = $state<CommandError | null>(null);
  loading = $state(false);
  #generation = 0;

  /** Loads with `fetch`; resolves to whether this load's answer was the one kept. `fetch` gets
   *  a check of whether its answer is still wanted, for progress it reports meanwhile. */
  load = async (fetch: (wanted: () => boolean) => Promise<T>): Promise<boolean> => {
    const mine = ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const value = await fetch(() => mine === this.#generation);
      if (mine !== this.#generation) return false;
      this.value = value;
      return true;
    } catch (e) {
      if (mine === this.#generation) this.error = toCommandError(e);
      return false;
    } finally {
      if (mine === this.#generation) this.loading = false;
    }
  };

  /** Forgets the value and any load still running. */
  reset = (): void => {
    this.#generation++;
    this.value = null;
    this.error = null;
    this.loading = false;
  };
}
