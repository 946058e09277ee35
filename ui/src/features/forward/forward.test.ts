import { describe, expect, it } from "vitest";
import type { DeliverySummary, ForwardState } from "../../lib/api";
import { MAX_LIST, QUEUE_COUNT_CAP } from "../../lib/bindings/limits";
import {
  answerLabel,
  attemptText,
  forwardFieldOf,
  forwardInput,
  forwardText,
  moving,
  movingIds,
  queuedText,
  withStates,
} from "./forward";

const state = (s: Partial<ForwardState>): ForwardState => ({
  phase: "queued",
  attempts: 0,
  lastStatus: null,
  nextAt: null,
  ...s,
});

const row = (id: number, forward: ForwardState | null): DeliverySummary => ({
  id,
  receivedAt: 0,
  method: "POST",
  path: "/hooks/t",
  size: 2,
  routeToken: "t",
  status: 200,
  source: null,
  event: null,
  repository: null,
  summary: null,
  alert: null,
  forward,
});

describe("forwardText", () => {
  it("says where a delivery's forwarding stands", () => {
    expect(forwardText(null, 0)).toBe("");
    expect(forwardText(state({}), 0)).toBe("queued");
    expect(forwardText(state({ phase: "done", attempts: 1, lastStatus: 200 }), 0)).toBe("→ 200");
    expect(forwardText(state({ phase: "failed", attempts: 8 }), 0)).toBe("→ failed");
    expect(forwardText(state({ phase: "failed", attempts: 8, lastStatus: 500 }), 0)).toBe("→ 500, failed");
    expect(forwardText(state({ phase: "routeDeleted" }), 0)).toBe("dropped: route deleted");
    expect(forwardText(state({ phase: "turnedOff", attempts: 2 }), 0)).toBe("dropped: forwarding turned off");
    expect(moving(state({ phase: "turnedOff" }))).toBe(false);
  });

  it("counts down to the next retry, and says when the target did not answer", () => {
    const retrying = state({ phase: "retrying", attempts: 3, lastStatus: 503, nextAt: 10_000 });
    expect(forwardText(retrying, 2_000)).toBe("→ 503 (retry 3 in 8s)");
    expect(forwardText(retrying, 9_500)).toBe("→ 503 (retry 3 in 1s)");
    expect(forwardText(retrying, 11_000)).toBe("→ 503 (retry 3 now)");
    expect(forwardText(state({ phase: "retrying", attempts: 1, nextAt: 125_000 }), 0)).toBe(
      "→ no answer (retry 1 in 2m 5s)",
    );
  });
});

describe("list rows", () => {
  it("asks again only for rows still queued or retrying", () => {
    const rows = [
      row(5, state({})),
      row(4, null),
      row(3, state({ phase: "done", lastStatus: 200 })),
      row(2, state({ phase: "retrying", attempts: 1 })),
    ];
    expect(movingIds(rows)).toEqual([5, 2]);
    expect(movingIds(rows, 1)).toEqual([5]);
  });

  it("puts new states in and keeps the array when nothing changed", () => {
    const rows = [row(2, state({})), row(1, null)];
    expect(withStates(rows, [{ id: 2, forward: state({}) }])).toBe(rows);
    const next = withStates(rows, [{ id: 2, forward: state({ phase: "done", attempts: 1, lastStatus: 204 }) }]);
    expect(next).not.toBe(rows);
    expect(next[0].forward?.lastStatus).toBe(204);
    expect(next[1]).toBe(rows[1]);
  });
});

describe("the forwarding form", () => {
  it("maps Rust's field names to the form's", () => {
    expect(forwardFieldOf({ kind: "invalid", message: "x", field: "forwardUrl" })).toBe("url");
    expect(forwardFieldOf({ kind: "invalid", message: "x", field: "forwardMaxAttempts" })).toBe("maxAttempts");
    expect(forwardFieldOf({ kind: "invalid", message: "x", field: "forwardHeaderName.2" })).toBe("headerName.2");
    expect(forwardFieldOf({ kind: "invalid", message: "x", field: "forwardHeaderValue.0" })).toBe("headerValue.0");
    expect(forwardFieldOf({ kind: "invalid", message: "x", field: "receiverBind" })).toBeNull();
    expect(forwardFieldOf({ kind: "storage", message: "x", field: "forwardUrl" })).toBeNull();
  });

  it("keeps a saved secret unless a new value is typed, and drops empty rows", () => {
    const input = forwardInput({
      url: "  http://localhost:3000/webhook ",
      headers: [
        { name: "X-Signature", value: "", saved: true },
        { name: "X-New", value: "v", saved: false },
        { name: "X-Replaced", value: "new", saved: true },
        { name: " ", value: "", saved: false },
      ],
      stripCredentials: true,
      maxAttempts: "8",
    });
    expect(input).toEqual({
      url: "http://localhost:3000/webhook",
      headers: [
        { name: "X-Signature", value: null },
        { name: "X-New", value: "v" },
        { name: "X-Replaced", value: "new" },
      ],
      stripCredentials: true,
      maxAttempts: 8,
    });
    const blank = { url: "http://x", headers: [], stripCredentials: false };
    expect(forwardInput({ ...blank, maxAttempts: " " }).maxAttempts).toBeNull();
    expect(forwardInput({ ...blank, maxAttempts: "three" }).maxAttempts).toBe(0);
    expect(forwardInput({ ...blank, maxAttempts: "2.5" }).maxAttempts).toBe(0);
  });
});

describe("attemptText", () => {
  it("gives the answer or why there was none", () => {
    const base = { at: 0, target: "http://x", answer: null, error: null };
    expect(attemptText({ ...base, status: 200, latencyMs: 12.4 })).toBe("→ 200 in 12 ms");
    expect(attemptText({ ...base, status: null, latencyMs: 10000, error: "timed out" })).toBe(
      "no answer after 10,000 ms: timed out",
    );
  });
});

describe("queuedText", () => {
  it("counts a queue, and says more than the cap above it", () => {
    expect(queuedText(0)).toBe("Nothing queued");
    expect(queuedText(1234)).toBe("1,234 queued");
    expect(queuedText(QUEUE_COUNT_CAP)).toBe(`${QUEUE_COUNT_CAP.toLocaleString("en-US")} queued`);
    expect(queuedText(QUEUE_COUNT_CAP + 1)).toBe(`${QUEUE_COUNT_CAP.toLocaleString("en-US")}+ queued`);
  });
});

describe("limits from Rust", () => {
  it("asks for at most one query's worth of moving rows, and words the kept answer", () => {
    const many = Array.from({ length: MAX_LIST + 5 }, (_, i) => ({
      id: i,
      forward: { phase: "queued", attempts: 0, lastStatus: null, nextAt: null },
    })) as unknown as DeliverySummary[];
    expect(movingIds(many)).toHaveLength(MAX_LIST);
    expect(answerLabel).toBe("Answer (first 2 KiB)");
  });
});
