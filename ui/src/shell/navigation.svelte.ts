// A screen asking for another one (a warning's "Receiver settings" link): App.svelte goes there
// and moves focus to its heading.
import type { View } from "./nav";

class Navigation {
  requested = $state<View | null>(null);

  request = (view: View): void => {
    this.requested = view;
  };
}

export const navigation = new Navigation();
