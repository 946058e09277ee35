// App-wide keyboard shortcuts, decided in one place:
//   Ctrl+K / ⌘K   open (or close) the "jump to" palette, from anywhere, even while typing
//   /             focus the inbox search (switching to the Inbox), unless a field has focus
//   Esc           close the topmost open layer (palette, then the inbox detail panel)
// `keyAction` is pure; App.svelte listens on the window and carries the actions out.

export type KeyAction = "palette" | "focus-search" | "escape";

/** The shortcuts as the palette's footer lists them (the keys `keyAction` knows, and the
 *  palette's own). */
export const SHORTCUTS: readonly { keys: string; does: string }[] = [
  { keys: "Ctrl+K", does: "jump anywhere" },
  { keys: "/", does: "search the inbox" },
  { keys: "↑ ↓ Enter", does: "choose" },
  { keys: "Esc", does: "close the palette or a panel" },
];

export type KeyPress = {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey?: boolean;
  /** An input method is composing: keys belong to it. */
  isComposing?: boolean;
};

/** Whether `el` takes typed text (so "/" must reach it as a character). */
export function isTypingTarget(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag === "input") {
    const type = (el.getAttribute("type") ?? "text").toLowerCase();
    return !["button", "submit", "reset", "checkbox", "radio", "range", "color", "file", "image"].includes(type);
  }
  if (el instanceof HTMLElement && el.isContentEditable) return true;
  const editable = el.getAttribute("contenteditable");
  return editable !== null && editable !== "false";
}

/** What a key press does, given whether the focused element takes typed text. */
export function keyAction(k: KeyPress, typing: boolean): KeyAction | null {
  if (k.isComposing) return null;
  if ((k.ctrlKey || k.metaKey) && !k.altKey && !k.shiftKey && k.key.toLowerCase() === "k")
    return "palette";
  if (k.key === "Escape" && !k.ctrlKey && !k.metaKey && !k.altKey) return "escape";
  if (k.key === "/" && !typing && !k.ctrlKey && !k.metaKey && !k.altKey) return "focus-search";
  return null;
}

/**
 * Open layers that Esc closes, topmost last. A panel pushes its close function when it opens
 * and removes it when it closes; Esc closes only the topmost one.
 */
export function createLayers() {
  const stack: { close: () => void }[] = [];
  return {
    /** Registers an open layer; the returned function removes it (safe to call twice). */
    push(close: () => void): () => void {
      const entry = { close };
      stack.push(entry);
      return () => {
        const i = stack.indexOf(entry);
        if (i >= 0) stack.splice(i, 1);
      };
    },
    /** Closes the topmost layer; false when none is open. */
    closeTop(): boolean {
      const top = stack.pop();
      if (!top) return false;
      top.close();
      return true;
    },
    get size() {
      return stack.length;
    },
  };
}

/** The app's layers. */
export const layers = createLayers();

/** The inbox search field, which "/" focuses. */
export const SEARCH_SELECTOR = '[data-testid="inbox-filter-text"]';
