import { describe, expect, it } from "vitest";
import { MAX_TARGETS, loadTargets, rememberTarget, replaySucceeded, withTarget } from "./replay-targets";

const memoryStore = () => {
  const data = new Map<string, string>();
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    data,
  };
};

describe("recent replay targets", () => {
  it("puts the latest first, once, and keeps a few", () => {
    expect(withTarget(["b", "a"], " a ")).toEqual(["a", "b"]);
    expect(withTarget([], "")).toEqual([]);
    const many = Array.from({ length: 9 }, (_, i) => `http://h/${i}`);
    expect(withTarget(many, "http://new")).toHaveLength(MAX_TARGETS);
    expect(withTarget(many, "http://new")[0]).toBe("http://new");
  });

  it("survives in storage and ignores what it cannot read", () => {
    const store = memoryStore();
    expect(loadTargets(store)).toEqual([]);
    rememberTarget("http://127.0.0.3:47950/hook", store);
    rememberTarget("http://localhost:8080/hook", store);
    rememberTarget("http://127.0.0.3:47950/hook", store);
    expect(loadTargets(store)).toEqual(["http://127.0.0.3:47950/hook", "http://localhost:8080/hook"]);
    store.setItem("wharf.replayTargets", "{not json");
    expect(loadTargets(store)).toEqual([]);
    store.setItem("wharf.replayTargets", '[1, "http://x/"]');
    expect(loadTargets(store)).toEqual(["http://x/"]);
    expect(loadTargets(null)).toEqual([]);
  });

  it("calls 2xx a success and anything else a failure", () => {
    expect(replaySucceeded(200)).toBe(true);
    expect(replaySucceeded(204)).toBe(true);
    expect(replaySucceeded(199)).toBe(false);
    expect(replaySucceeded(301)).toBe(false);
    expect(replaySucceeded(501)).toBe(false);
  });
});
