import { describe, expect, it } from "vitest";
import { unsaved } from "./unsaved.svelte";

describe("unsaved drafts", () => {
  it("keeps a screen's draft until it is cleared", () => {
    expect(unsaved.has("settings")).toBe(false);
    unsaved.keep("settings", { port: "47842" });
    expect(unsaved.has("settings")).toBe(true);
    expect(unsaved.draft<{ port: string }>("settings")).toEqual({ port: "47842" });
    unsaved.keep("settings", null);
    expect(unsaved.has("settings")).toBe(false);
    expect(unsaved.draft("settings")).toBeUndefined();
  });
});
