import { describe, expect, it } from "vitest";
import { splitForEllipsis } from "./ellipsis";

describe("splitForEllipsis", () => {
  it("leaves short values whole", () => {
    expect(splitForEllipsis("team owners")).toEqual({ head: "team owners", tail: "" });
    expect(splitForEllipsis("x".repeat(24))).toEqual({ head: "x".repeat(24), tail: "" });
  });

  it("keeps a short last path segment whole, from its slash", () => {
    const url = "https://hooks.example.com/services/some/deep/path/deploy";
    expect(splitForEllipsis(url)).toEqual({
      head: "https://hooks.example.com/services/some/deep/path",
      tail: "/deploy",
    });
  });

  it("keeps the last characters of a long token, so two routes stay told apart", () => {
    const a = splitForEllipsis("http://127.0.0.2:47840/hooks/6f1c2a9e0b7d4e5f8a9b0c1d2e3fdbd5d49");
    const b = splitForEllipsis("http://127.0.0.2:47840/hooks/6f1c2a9e0b7d4e5f8a9b0c1d2e3f0000000");
    expect(a.tail).toBe("0c1d2e3fdbd5d49".slice(-12));
    expect(a.tail).not.toBe(b.tail);
  });

  it("always splits the value itself, nothing added or lost", () => {
    for (const v of [
      "quay_notification",
      "https://hooks.slack.com/services/T0AAA/B0BBB/cccccccccccccccc",
      "http://127.0.0.2:47840/hooks/abc/",
      "ops@example.com",
    ]) {
      const { head, tail } = splitForEllipsis(v);
      expect(head + tail).toBe(v);
      expect(tail.length).toBeLessThanOrEqual(12);
    }
  });
});
