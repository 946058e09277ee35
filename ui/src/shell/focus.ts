// Where keyboard focus goes when something opens, so Tab continues from what the user just
// opened instead of from the sidebar or nowhere (walkthrough #54, #55).

/** Focuses the first element matching `selector` once it is in the page (within `timeoutMs`);
 *  a heading gets `tabindex="-1"` so it can hold focus. */
export function focusWhenShown(selector: string, timeoutMs = 5000): void {
  const focus = (): boolean => {
    const element = document.querySelector<HTMLElement>(selector);
    if (!element) return false;
    if (/^H[1-6]$/.test(element.tagName) && !element.hasAttribute("tabindex")) element.tabIndex = -1;
    element.focus();
    return true;
  };
  if (focus()) return;
  const observer = new MutationObserver(() => {
    if (focus()) stop();
  });
  const timer = setTimeout(() => stop(), timeoutMs);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
  };
  observer.observe(document.body, { childList: true, subtree: true });
}

/** Svelte action: focuses the element when it appears (a form's first field when the form
 *  opens). */
export function focusOnMount(element: HTMLElement): void {
  queueMicrotask(() => element.focus());
}
