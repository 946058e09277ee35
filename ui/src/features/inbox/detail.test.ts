import { describe, expect, it } from "vitest";
import type { DeliveryDetail } from "../../lib/api";
import {
  base64Bytes,
  binaryLabel,
  bodyView,
  replayText,
  replayUrlProblem,
  requestLine,
  rowTime,
  fullTime,
  clip,
  TREE_MAX_CHARS,
} from "./detail";

const detail = (over: Partial<DeliveryDetail> = {}): DeliveryDetail => ({
  summary: {
    id: 1,
    receivedAt: 0,
    method: "POST",
    path: "/hooks/t",
    size: 2,
    routeToken: "t",
    status: 200,
    source: "quay",
    event: "repo_push",
    repository: "ns/r",
    summary: null,
    alert: null,
    forward: null,
  },
  query: null,
  headers: [],
  remoteAddr: null,
  bodyText: "{}",
  bodyBase64: null,
  curl: "curl",
  curlShells: "bash",
  forwardable: true,
  ...over,
});

describe("bodyView", () => {
  it("shows JSON as a tree with the raw text kept exactly", () => {
    const raw = '{ "a" : 1 }\n';
    const v = bodyView(detail({ bodyText: raw }));
    expect(v.kind).toBe("json");
    if (v.kind === "json") expect(v.raw).toBe(raw);
  });

  it("shows other text raw, nothing for an empty body", () => {
    expect(bodyView(detail({ bodyText: "a=1&b=2" }))).toEqual({ kind: "text", raw: "a=1&b=2" });
    expect(bodyView(detail({ bodyText: "" }))).toEqual({ kind: "empty" });
    expect(bodyView(detail({ bodyText: null }))).toEqual({ kind: "empty" });
  });

  it("shows a non-UTF-8 body as its size and base64", () => {
    expect(bodyView(detail({ bodyText: null, bodyBase64: "/wD+" }))).toEqual({
      kind: "binary",
      bytes: 3,
      base64: "/wD+",
    });
  });
});

describe("large bodies", () => {
  it("skips the tree above the limit", () => {
    const raw = `[${"1,".repeat(TREE_MAX_CHARS / 2)}1]`;
    expect(bodyView(detail({ bodyText: raw }))).toMatchObject({ kind: "text", tooLargeForTree: true });
  });

  it("shows the start of a long text until asked for all", () => {
    expect(clip("abcdef", false, 4)).toEqual({ text: "abcd", cut: 2 });
    expect(clip("abcdef", true, 4)).toEqual({ text: "abcdef", cut: 0 });
    expect(clip("abc", false, 4)).toEqual({ text: "abc", cut: 0 });
  });
});

describe("base64Bytes / binaryLabel", () => {
  it("counts decoded bytes with padding", () => {
    expect(base64Bytes("")).toBe(0);
    expect(base64Bytes("/w==")).toBe(1);
    expect(base64Bytes("/wA=")).toBe(2);
    expect(base64Bytes("/wD+\n/wD+")).toBe(6);
    expect(binaryLabel(1)).toBe("binary body, 1 byte");
    expect(binaryLabel(1234)).toBe("binary body, 1,234 bytes");
  });
});

describe("requestLine / replayText", () => {
  it("joins method, path and query", () => {
    expect(requestLine(detail())).toBe("POST /hooks/t");
    expect(requestLine(detail({ query: "a=1" }))).toBe("POST /hooks/t?a=1");
  });

  it("summarises a replay", () => {
    expect(replayText({ status: 202, elapsedMs: 12.4, bodyPreview: "" })).toBe("→ 202 in 12 ms");
  });
});

describe("replayUrlProblem", () => {
  it.each([
    ["http://localhost:8080/hook", null],
    ["https://example.com", null],
    ["", "Enter"],
    ["localhost:8080", "http"],
    ["ftp://example.com", "http"],
    ["nonsense", "Not a URL"],
  ])("%j", (url, says) => {
    const p = replayUrlProblem(url);
    if (says === null) expect(p).toBeNull();
    else expect(p).toContain(says);
  });
});

describe("rowTime", () => {
  it("shows the time alone for today and adds the date for older deliveries", () => {
    const now = new Date(2024, 4, 10, 15, 0, 0).getTime();
    const today = new Date(2024, 4, 10, 9, 30, 5).getTime();
    const earlier = new Date(2024, 4, 8, 9, 30, 5).getTime();
    const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" });
    expect(rowTime(today, now)).toBe(timeOnly.format(today));
    expect(rowTime(earlier, now)).toContain(new Date(earlier).toLocaleDateString(undefined, { day: "numeric" }));
    expect(rowTime(earlier, now)).not.toContain(":05");
    expect(fullTime(earlier)).toContain(":05");
  });
});
