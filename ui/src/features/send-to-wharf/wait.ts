// "Test and wait": send a registry's test delivery and watch Wharf's live feed for it.
import type { CommandError, DeliverySummary } from "../../lib/api";
import { toCommandError } from "../../lib/api";
import { CATALOG } from "../../lib/bindings/catalog";
import type { DeliveryListener, Listening } from "../../lib/feed";

/** How long to wait for a test delivery before saying why it may not have come. */
export const WAIT_MS = 30_000;

/**
 * The route token of a Wharf receiver URL (`<base>/hooks/<token>`), or null when `url` is not
 * one. The base may carry a path of its own (`https://hooks.example.com/wharf`).
 */
export function routeToken(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  const segments = parsed.pathname.split("/");
  for (let i = segments.length - 2; i >= 0; i--) {
    if (segments[i] === "hooks" && segments[i + 1]) {
      try {
        return decodeURIComponent(segments[i + 1]);
      } catch {
        return segments[i + 1];
      }
    }
  }
  return null;
}

export const NOT_A_ROUTE =
  "the endpoint is not a Wharf route, so Wharf cannot see its deliveries. Use “Send to Wharf” to get a URL Wharf watches.";

/** What a test of a notification Wharf cannot watch (Slack, e-mail, another URL) did, as far
 *  as Wharf can tell: the registry accepted it; the failure count shows how delivery goes. */
export function queuedQuayTest(n: { method: string; failures: number }): string {
  const where: Record<string, string> = {
    slack: "a test Slack message",
    email: "a test e-mail",
    quay_notification: "a test Quay notification",
    webhook: "a test delivery to that URL",
  };
  const what = where[n.method] ?? `a test ${n.method} message`;
  const failures =
    n.failures === 0
      ? "No failed delivery so far."
      : `Failed deliveries so far: ${n.failures}${n.failures >= 3 ? " (Quay stops at 3)" : ""}.`;
  return `Quay queued ${what}; Wharf cannot see where it goes. ${failures} Reload in a minute to see whether it failed.`;
}

/** The same for a DTR webhook whose endpoint is not a Wharf route. */
export const QUEUED_DTR_TEST =
  "DTR sent its sample delivery to the endpoint; Wharf cannot see it arrive there. DTR keeps no failure count: check the endpoint's own log.";

/** The git ref of the build in Quay's test data for build events. */
export const QUAY_TEST_REF = CATALOG.quayTestRef;

/**
 * Whether a Quay `ref-regex` lets the test build's ref through. Quay uses Python's `re.match`
 * (anchored at the start only); a pattern JavaScript cannot compile is left undecided (null).
 */
export function refRegexAllowsTest(refRegex: string): boolean | null {
  if (!refRegex) return true;
  try {
    return new RegExp(`^(?:${refRegex})`).test(QUAY_TEST_REF);
  } catch {
    return null;
  }
}

/** The receiver moved since this URL was given to the registry. */
const movedText = (now: string): string =>
  `the URL names an address Wharf no longer listens on (the receiver moved); the route is now at ${now}. Edit the notification to that URL.`;

/** Why a Quay test delivery did not arrive, from the notification as it was when tested. */
export function diagnoseQuay(n: {
  disabled: boolean;
  failures: number;
  /** Where the route is now, when the URL names an address the receiver has left. */
  moved?: string | null;
  token: string | null;
  refRegex?: string | null;
}): string {
  if (n.disabled)
    return `disabled: Quay stopped sending after ${n.failures} failed deliveries in a row. Reset failures, then test again.`;
  if (!n.token) return NOT_A_ROUTE;
  if (n.moved) return movedText(n.moved);
  if (n.refRegex && refRegexAllowsTest(n.refRegex) === false)
    return `the ref-regex “${n.refRegex}” does not match the test build's ref ${QUAY_TEST_REF}, so Quay sends nothing for a test. A real build on a matching branch will notify.`;
  return "the registry could not reach the receiver (Quay refuses localhost/127.0.0.1; check the bind address).";
}

/** Why a DTR test delivery did not arrive. */
export function diagnoseDtr(w: { token: string | null; moved?: string | null }): string {
  if (!w.token) return NOT_A_ROUTE;
  if (w.moved) return movedText(w.moved);
  return "the registry could not reach the receiver (the DTR server must reach Wharf's address; check the bind address, firewalls and the TLS settings).";
}

export type WaitState =
  | { phase: "idle" }
  | { phase: "sending" }
  | { phase: "waiting"; since: number }
  | { phase: "arrived"; ms: number; delivery: DeliverySummary }
  /** No delivery within the wait, or none can be seen (not a Wharf route). */
  | { phase: "diagnosis"; text: string }
  /** Sent to an endpoint Wharf cannot watch: what the registry did, not a failure. */
  | { phase: "queued"; text: string }
  | { phase: "failed"; error: CommandError };

export type TestAndWait = {
  /** The token in the endpoint, or null when it is not a Wharf route. */
  token: string | null;
  /** Asks the registry to send its test delivery. */
  send: () => Promise<void>;
  /** Sentence shown when nothing arrives (computed before sending). */
  diagnosis: string;
  /** Sentence shown, without waiting, when there is no token to watch for. */
  queued?: string;
  /** The live feed. */
  listen: (listener: DeliveryListener) => Listening;
  onState: (state: WaitState) => void;
  now?: () => number;
  timeoutMs?: number;
};

/**
 * Runs one test: listens first (a fast registry may deliver before its test call returns),
 * sends, then waits for a delivery to the token's route. Returns a function that cancels the
 * wait; no state is reported after it is called.
 */
export function testAndWait(t: TestAndWait): () => void {
  const now = t.now ?? Date.now;
  let done = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let listening: Listening | null = null;
  let since = 0;

  const finish = (state: WaitState) => {
    if (done) return;
    done = true;
    if (timer !== null) clearTimeout(timer);
    listening?.stop();
    t.onState(state);
  };

  const run = async () => {
    t.onState({ phase: "sending" });
    if (t.token) {
      const token = t.token;
      listening = t.listen((d) => {
        if (d.routeToken === token)
          finish({ phase: "arrived", ms: Math.max(0, d.receivedAt - since), delivery: d });
      });
      try {
        await listening.ready;
      } catch (e) {
        const err = toCommandError(e);
        finish({
          phase: "failed",
          error: { kind: err.kind, message: `Wharf's live delivery feed is not available: ${err.message}` },
        });
        return;
      }
    }
    if (done) return;
    since = now();
    try {
      await t.send();
    } catch (e) {
      finish({ phase: "failed", error: toCommandError(e) });
      return;
    }
    if (done) return;
    if (!t.token) {
      finish(t.queued ? { phase: "queued", text: t.queued } : { phase: "diagnosis", text: t.diagnosis });
      return;
    }
    t.onState({ phase: "waiting", since });
    timer = setTimeout(() => finish({ phase: "diagnosis", text: t.diagnosis }), t.timeoutMs ?? WAIT_MS);
  };

  void run();
  return () => {
    if (done) return;
    done = true;
    if (timer !== null) clearTimeout(timer);
    listening?.stop();
  };
}

/** What Wharf's own answer to an arrived test delivery means for the sender: anything but a
 *  2xx is a failure the registry counts, whatever arrived. */
export function answerVerdict(status: number): { ok: boolean; text: string } {
  if (status >= 200 && status < 300) return { ok: true, text: `answered ${status}` };
  const why: Record<number, string> = {
    404: "unknown route: this inbox has no such route (deleted, or from another machine)",
    413: "the body was over the receiver's size limit",
    429: "the sender went over the receiver's rate limit",
    503: "the receiver could not store it",
    507: "the receiver's disk is almost full",
  };
  const reason =
    why[status] ?? (status >= 500 ? "the route is set to answer this way" : "refused by the receiver");
  return { ok: false, text: `answered ${status}: ${reason}. The registry counts this as a failure.` };
}
