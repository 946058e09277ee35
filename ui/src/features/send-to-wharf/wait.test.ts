import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliverySummary } from "../../lib/api";
import { createFeed, type DeliveryListener } from "../../lib/feed";
import {
  NOT_A_ROUTE,
  queuedQuayTest,
  WAIT_MS,
  answerVerdict,
  diagnoseDtr,
  diagnoseQuay,
  routeToken,
  testAndWait,
  type WaitState,
} from "./wait";

describe("routeToken", () => {
  it.each([
    ["http://192.0.2.5:47820/hooks/0123abcd", "0123abcd"],
    ["https://hooks.example.com/wharf/hooks/tok", "tok"],
    ["https://x.example/hooks/tok/", "tok"],
    ["https://x.example/hooks/tok?x=1#f", "tok"],
    ["https://x.example/hooks/hooks/tok", "tok"],
    [" http://10.0.0.1/hooks/abc ", "abc"],
    ["https://x.example/hooks/", null],
    ["https://x.example/hooks", null],
    ["https://x.example/other/tok", null],
    ["https://hooks.slack.com/services/T/B/X", null],
    ["ftp://x.example/hooks/tok", null],
    ["not a url", null],
    ["", null],
    [null, null],
  ])("%s → %s", (url, token) => {
    expect(routeToken(url)).toBe(token);
  });
});

describe("diagnoseQuay", () => {
  it("says when the ref-regex filters out Quay's test build", () => {
    const text = diagnoseQuay({ disabled: false, failures: 0, token: "t", refRegex: "refs/tags/v.*" });
    expect(text).toContain("does not match the test build's ref refs/heads/somebranch");
    expect(diagnoseQuay({ disabled: false, failures: 0, token: "t", refRegex: "refs/heads/" })).not.toContain(
      "ref-regex",
    );
    expect(diagnoseQuay({ disabled: false, failures: 0, token: "t", refRegex: "(?<=x" })).not.toContain(
      "ref-regex",
    );
  });

  it("says disabled at 3 failures, whatever the URL", () => {
    expect(diagnoseQuay({ disabled: true, failures: 3, token: "t" })).toMatch(/^disabled/);
    expect(diagnoseQuay({ disabled: true, failures: 5, token: null })).toMatch(/^disabled/);
  });
  it("says the endpoint is not a Wharf route without a token", () => {
    expect(diagnoseQuay({ disabled: false, failures: 2, token: null })).toBe(NOT_A_ROUTE);
  });
  it("otherwise blames reachability", () => {
    expect(diagnoseQuay({ disabled: false, failures: 0, token: "t" })).toContain(
      "the registry could not reach the receiver (Quay refuses localhost/127.0.0.1; check the bind address)",
    );
  });
});

describe("queuedQuayTest", () => {
  it("names what Quay queued and the failures so far", () => {
    expect(queuedQuayTest({ method: "slack", failures: 0 })).toBe(
      "Quay queued a test Slack message; Wharf cannot see where it goes. No failed delivery so far. Reload in a minute to see whether it failed.",
    );
    expect(queuedQuayTest({ method: "email", failures: 3 })).toContain(
      "Failed deliveries so far: 3 (Quay stops at 3).",
    );
    expect(queuedQuayTest({ method: "webhook", failures: 1 })).toContain("a test delivery to that URL");
  });
});

describe("diagnoseDtr", () => {
  it("distinguishes foreign endpoints from unreachable routes", () => {
    expect(diagnoseDtr({ token: null })).toBe(NOT_A_ROUTE);
    expect(diagnoseDtr({ token: "t" })).toContain("could not reach the receiver");
  });
});

describe("a receiver that moved", () => {
  it("is named instead of blaming Quay's localhost rule or the network", () => {
    const now = "http://192.0.2.7:47810/hooks/t";
    const quay = diagnoseQuay({ disabled: false, failures: 1, token: "t", moved: now });
    expect(quay).toContain("no longer listens on");
    expect(quay).toContain(now);
    expect(quay).not.toContain("localhost");
    expect(diagnoseDtr({ token: "t", moved: now })).toContain(now);
    expect(diagnoseQuay({ disabled: true, failures: 3, token: "t", moved: now })).toMatch(/^disabled/);
  });
});

const delivery = (routeToken: string | null, receivedAt: number): DeliverySummary => ({
  id: receivedAt,
  receivedAt,
  method: "POST",
  path: `/hooks/${routeToken}`,
  size: 10,
  routeToken,
  status: 200,
  source: "quay",
  event: "repo_push",
  repository: "ns/r",
  summary: "pushed latest",
  alert: null,
  forward: null,
});

describe("testAndWait", () => {
  let push: DeliveryListener;
  let feed: ReturnType<typeof createFeed>;
  let states: WaitState[];
  const last = (): WaitState => states[states.length - 1];
  const flush = () => vi.advanceTimersByTimeAsync(0);

  beforeEach(() => {
    vi.useFakeTimers();
    push = () => {};
    feed = createFeed(async (cb) => {
      push = cb;
    });
    states = [];
  });
  afterEach(() => vi.useRealTimers());

  const start = (over: Partial<Parameters<typeof testAndWait>[0]> = {}) =>
    testAndWait({
      token: "tok",
      send: async () => {},
      diagnosis: "why",
      listen: feed.listen,
      onState: (s) => states.push(s),
      now: () => 1000,
      ...over,
    });

  it("reports the matching delivery with its latency", async () => {
    start();
    await flush();
    expect(states.map((s) => s.phase)).toEqual(["sending", "waiting"]);
    push(delivery("other", 1100));
    push(delivery("tok", 1250));
    const final = last();
    expect(final.phase).toBe("arrived");
    if (final.phase === "arrived") {
      expect(final.ms).toBe(250);
      expect(final.delivery.summary).toBe("pushed latest");
    }
    expect(feed.listenerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(WAIT_MS);
    expect(last().phase).toBe("arrived");
  });

  it("catches a delivery that lands before the test call returns", async () => {
    start({
      send: async () => {
        push(delivery("tok", 1010));
      },
    });
    await flush();
    expect(states.map((s) => s.phase)).toEqual(["sending", "arrived"]);
  });

  it("gives the diagnosis after the wait", async () => {
    start();
    await flush();
    await vi.advanceTimersByTimeAsync(WAIT_MS - 1);
    expect(last().phase).toBe("waiting");
    await vi.advanceTimersByTimeAsync(1);
    expect(last()).toEqual({ phase: "diagnosis", text: "why" });
    expect(feed.listenerCount()).toBe(0);
  });

  it("gives the diagnosis at once when the endpoint is not a Wharf route", async () => {
    const send = vi.fn(async () => {});
    start({ token: null, send });
    await flush();
    expect(send).toHaveBeenCalledOnce();
    expect(states.map((s) => s.phase)).toEqual(["sending", "diagnosis"]);
  });

  it("says what the registry queued instead of a failure, when told", async () => {
    start({ token: null, queued: "Quay queued a test Slack message" });
    await flush();
    expect(last()).toEqual({ phase: "queued", text: "Quay queued a test Slack message" });
  });

  it("reports a failed test call and stops listening", async () => {
    start({ send: () => Promise.reject({ kind: "registry", message: "Quay said no" }) });
    await flush();
    expect(last()).toEqual({
      phase: "failed",
      error: { kind: "registry", message: "Quay said no" },
    });
    expect(feed.listenerCount()).toBe(0);
  });

  it("does not send when the live feed cannot connect", async () => {
    const broken = createFeed(() => Promise.reject({ kind: "internal", message: "denied" }));
    const send = vi.fn(async () => {});
    start({ listen: broken.listen, send });
    await flush();
    expect(send).not.toHaveBeenCalled();
    const final = last();
    expect(final.phase).toBe("failed");
    if (final.phase === "failed") expect(final.error.message).toContain("denied");
  });

  it("reports nothing after cancel", async () => {
    const cancel = start();
    await flush();
    cancel();
    push(delivery("tok", 1200));
    await vi.advanceTimersByTimeAsync(WAIT_MS);
    expect(states.map((s) => s.phase)).toEqual(["sending", "waiting"]);
    expect(feed.listenerCount()).toBe(0);
  });
});

describe("answerVerdict", () => {
  it("counts only a 2xx from Wharf as delivered", () => {
    expect(answerVerdict(200)).toEqual({ ok: true, text: "answered 200" });
    expect(answerVerdict(202).ok).toBe(true);
    const unknown = answerVerdict(404);
    expect(unknown.ok).toBe(false);
    expect(unknown.text).toMatch(/^answered 404: unknown route/);
    expect(unknown.text).toMatch(/counts this as a failure/);
    expect(answerVerdict(500).text).toMatch(/set to answer this way/);
    expect(answerVerdict(507).text).toMatch(/disk/);
    expect(answerVerdict(302).ok).toBe(false);
  });
});
