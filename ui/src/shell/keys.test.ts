import { describe, expect, it, vi } from "vitest";
import { createLayers, isTypingTarget, keyAction, type KeyPress } from "./keys";

const press = (key: string, over: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...over,
});

describe("keyAction", () => {
  it("opens the palette with Ctrl+K or ⌘K, even while typing", () => {
    expect(keyAction(press("k", { ctrlKey: true }), false)).toBe("palette");
    expect(keyAction(press("k", { metaKey: true }), true)).toBe("palette");
    expect(keyAction(press("K", { ctrlKey: true }), false)).toBe("palette");
    expect(keyAction(press("k", { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(keyAction(press("k", { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(keyAction(press("k"), false)).toBeNull();
  });

  it("sends / to the inbox search only when no field has focus", () => {
    expect(keyAction(press("/"), false)).toBe("focus-search");
    expect(keyAction(press("/"), true)).toBeNull();
    expect(keyAction(press("/", { ctrlKey: true }), false)).toBeNull();
  });

  it("closes with Esc wherever the focus is", () => {
    expect(keyAction(press("Escape"), false)).toBe("escape");
    expect(keyAction(press("Escape"), true)).toBe("escape");
    expect(keyAction(press("Escape", { ctrlKey: true }), false)).toBeNull();
  });

  it("leaves keys to an input method while it composes", () => {
    expect(keyAction(press("k", { ctrlKey: true, isComposing: true }), false)).toBeNull();
  });

  it("ignores everything else", () => {
    expect(keyAction(press("a"), false)).toBeNull();
    expect(keyAction(press("Enter"), false)).toBeNull();
  });
});

describe("isTypingTarget", () => {
  const el = (html: string) => {
    const host = document.createElement("div");
    host.innerHTML = html; // test fixture only
    return host.firstElementChild;
  };

  it("counts text fields, selects and editable elements", () => {
    expect(isTypingTarget(el("<input>"))).toBe(true);
    expect(isTypingTarget(el('<input type="search">'))).toBe(true);
    expect(isTypingTarget(el('<input type="url">'))).toBe(true);
    expect(isTypingTarget(el("<textarea></textarea>"))).toBe(true);
    expect(isTypingTarget(el("<select></select>"))).toBe(true);
    expect(isTypingTarget(el('<div contenteditable="true"></div>'))).toBe(true);
  });

  it("does not count buttons, checkboxes or plain elements", () => {
    expect(isTypingTarget(el("<button></button>"))).toBe(false);
    expect(isTypingTarget(el('<input type="checkbox">'))).toBe(false);
    expect(isTypingTarget(el("<div></div>"))).toBe(false);
    expect(isTypingTarget(el('<div contenteditable="false"></div>'))).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe("createLayers", () => {
  it("closes the topmost layer first", () => {
    const layers = createLayers();
    const a = vi.fn();
    const b = vi.fn();
    layers.push(a);
    layers.push(b);
    expect(layers.closeTop()).toBe(true);
    expect(b).toHaveBeenCalledOnce();
    expect(a).not.toHaveBeenCalled();
    expect(layers.closeTop()).toBe(true);
    expect(a).toHaveBeenCalledOnce();
    expect(layers.closeTop()).toBe(false);
  });

  it("forgets a layer removed before Esc", () => {
    const layers = createLayers();
    const a = vi.fn();
    const b = vi.fn();
    layers.push(a);
    const removeB = layers.push(b);
    removeB();
    removeB();
    layers.closeTop();
    expect(a).toHaveBeenCalledOnce();
    expect(b).not.toHaveBeenCalled();
    expect(layers.size).toBe(0);
  });
});
