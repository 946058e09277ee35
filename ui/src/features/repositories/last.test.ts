import { describe, expect, it } from "vitest";
import { lastPlace, rememberPlace } from "./last";

const memory = () => {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
  };
};

describe("the last place on the Repositories screen", () => {
  it("comes back for a connection that still exists", () => {
    const store = memory();
    rememberPlace({ connectionId: "c1", namespace: "acme" }, store);
    expect(lastPlace(["c0", "c1"], store)).toEqual({ connectionId: "c1", namespace: "acme" });
  });
  it("is forgotten when the connection is gone or the value is damaged", () => {
    const store = memory();
    rememberPlace({ connectionId: "c1", namespace: null }, store);
    expect(lastPlace(["c2"], store)).toBeNull();
    store.setItem("wharf.repositories.last", "{not json");
    expect(lastPlace(["c1"], store)).toBeNull();
    expect(lastPlace(["c1"], null)).toBeNull();
  });
});
