// Edits a screen has not saved yet. They survive leaving the screen (it shows them again, marked
// unsaved, until saved or discarded), and the sidebar marks the screen meanwhile, so leaving
// never loses work silently (walkthrough #50).
import { untrack } from "svelte";
import type { View } from "./nav";

class Unsaved {
  #drafts = $state<Partial<Record<View, unknown>>>({});

  /** The draft `view` left, if any. */
  draft<T>(view: View): T | undefined {
    return this.#drafts[view] as T | undefined;
  }

  /** Keeps `draft` for `view` (null: nothing unsaved). */
  keep(view: View, draft: unknown): void {
    // Screens call this from an effect: reading the drafts must not make it depend on them.
    const drafts = untrack(() => this.#drafts);
    if (draft === null) {
      if (!(view in drafts)) return;
      const { [view]: _gone, ...rest } = drafts;
      this.#drafts = rest;
    } else {
      this.#drafts = { ...drafts, [view]: draft };
    }
  }

  has(view: View): boolean {
    return this.#drafts[view] !== undefined;
  }
}

export const unsaved = new Unsaved();
