import { describe, expect, it } from "vitest";
import { applyTheme, rememberedTheme, themeAttribute } from "./theme";

const memory = () => {
  const data = new Map<string, string>();
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  };
};

describe("theme", () => {
  it("maps themes to the data-theme attribute", () => {
    expect(themeAttribute("light")).toBe("light");
    expect(themeAttribute("dark")).toBe("dark");
    expect(themeAttribute("system")).toBeNull();
  });

  it("sets and removes data-theme on the root", () => {
    const root = document.createElement("html");
    const store = memory();
    applyTheme("dark", root, store);
    expect(root.dataset.theme).toBe("dark");
    expect(root.getAttribute("data-theme")).toBe("dark");
    applyTheme("system", root, store);
    expect(root.hasAttribute("data-theme")).toBe(false);
  });

  it("remembers the last theme for the next start", () => {
    const store = memory();
    expect(rememberedTheme(store)).toBe("system");
    applyTheme("light", document.createElement("html"), store);
    expect(rememberedTheme(store)).toBe("light");
  });

  it("ignores junk and broken storage", () => {
    expect(rememberedTheme({ getItem: () => "purple", setItem: () => {} })).toBe("system");
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
    };
    expect(rememberedTheme(broken)).toBe("system");
    expect(() => applyTheme("dark", document.createElement("html"), broken)).not.toThrow();
  });
});
