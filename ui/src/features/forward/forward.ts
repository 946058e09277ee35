// Forwarding as the UI shows it: one short text for where a delivery's forwarding stands (the
// Inbox column, the route's queue), the rows whose state still moves, and the forwarding form's
// fields as Rust names them in a refusal.
import type {
  CommandError,
  DeliveryForward,
  DeliverySummary,
  ForwardAttempt,
  ForwardInput,
  ForwardState,
} from "../../lib/api";
import { MAX_LIST, PREVIEW_BYTES, QUEUE_COUNT_CAP } from "../../lib/bindings/limits";

/** "queued", "→ 200", "→ 503 (retry 3 in 8s)", "→ failed" (with the last status when there
 *  was one: "→ 500, failed"), "dropped: route deleted". Empty when the delivery was never
 *  forwarded. */
export function forwardText(f: ForwardState | null, now: number): string {
  if (!f) return "";
  const answer = f.lastStatus === null ? "no answer" : String(f.lastStatus);
  switch (f.phase) {
    case "queued":
      return "queued";
    case "done":
      return `→ ${answer}`;
    case "failed":
      return f.lastStatus === null ? "→ failed" : `→ ${f.lastStatus}, failed`;
    case "retrying": {
      const wait = f.nextAt === null ? 0 : Math.max(0, Math.ceil((f.nextAt - now) / 1000));
      return `→ ${answer} (retry ${f.attempts} ${wait > 0 ? `in ${duration(wait)}` : "now"})`;
    }
    case "routeDeleted":
      return "dropped: route deleted";
    case "turnedOff":
      return "dropped: forwarding turned off";
  }
}

/** "8s", "2m 5s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s ? `${m}m ${s}s` : `${m}m`;
}

/** Whether a delivery's forwarding can still change by itself (so the list asks again). */
export const moving = (f: ForwardState | null): boolean => f?.phase === "queued" || f?.phase === "retrying";

/** The ids of loaded rows whose forwarding still moves, at most as many as one query answers
 *  (the newest). */
export const movingIds = (rows: DeliverySummary[], max = MAX_LIST): number[] =>
  rows.filter((r) => moving(r.forward)).slice(0, max).map((r) => r.id);

/** `rows` with the forward states in `states` put in; the same array when nothing changed. */
export function withStates(rows: DeliverySummary[], states: DeliveryForward[]): DeliverySummary[] {
  const byId = new Map(states.map((s) => [s.id, s.forward]));
  let changed = false;
  const next = rows.map((r) => {
    if (!byId.has(r.id)) return r;
    const f = byId.get(r.id) ?? null;
    if (sameState(r.forward, f)) return r;
    changed = true;
    return { ...r, forward: f };
  });
  return changed ? next : rows;
}

const sameState = (a: ForwardState | null, b: ForwardState | null): boolean =>
  a === b ||
  (!!a &&
    !!b &&
    a.phase === b.phase &&
    a.attempts === b.attempts &&
    a.lastStatus === b.lastStatus &&
    a.nextAt === b.nextAt);

/** A route's queue in words: "Nothing queued", "12 queued", "10,000+ queued" (Rust counts
 *  only up to its cap and one more). */
export function queuedText(queued: number): string {
  if (queued === 0) return "Nothing queued";
  if (queued > QUEUE_COUNT_CAP) return `${QUEUE_COUNT_CAP.toLocaleString("en-US")}+ queued`;
  return `${queued.toLocaleString("en-US")} queued`;
}

/** The label of a kept answer: "Answer (first 2 KiB)". */
export const answerLabel = `Answer (first ${PREVIEW_BYTES % 1024 === 0 ? `${PREVIEW_BYTES / 1024} KiB` : `${PREVIEW_BYTES} bytes`})`;

/** One attempt in words: "→ 200 in 12 ms" or "no answer after 10,000 ms: timed out". */
export function attemptText(a: ForwardAttempt): string {
  const ms = `${Math.round(a.latencyMs).toLocaleString("en-US")} ms`;
  return a.status !== null ? `→ ${a.status} in ${ms}` : `no answer after ${ms}: ${a.error ?? "unknown error"}`;
}

/** The forwarding form's fields. */
export type ForwardFormField = "url" | `headerName.${number}` | `headerValue.${number}` | "maxAttempts";

/** The form field a refusal from Rust names (`forwardUrl`, `forwardHeaderName.0`, ...). */
export function forwardFieldOf(e: CommandError): ForwardFormField | null {
  if (e.kind !== "invalid" || !e.field) return null;
  if (e.field === "forwardUrl") return "url";
  if (e.field === "forwardMaxAttempts") return "maxAttempts";
  const m = /^forwardHeader(Name|Value)\.(\d+)$/.exec(e.field);
  if (!m) return null;
  return `header${m[1] as "Name" | "Value"}.${Number(m[2])}`;
}

/** One extra header row of the form; `saved` rows keep their value unless a new one is typed. */
export type HeaderRow = { name: string; value: string; saved: boolean };

/** What the form saves: a saved header whose value was left blank keeps its value (null). */
export function forwardInput(form: {
  url: string;
  headers: HeaderRow[];
  stripCredentials: boolean;
  maxAttempts: string;
}): ForwardInput {
  return {
    url: form.url.trim(),
    headers: form.headers
      .filter((h) => h.name.trim() !== "" || h.value !== "")
      .map((h) => ({ name: h.name.trim(), value: h.saved && h.value === "" ? null : h.value })),
    stripCredentials: form.stripCredentials,
    // Blank: Rust's default. Not a whole number: 0, which Rust refuses under the field.
    maxAttempts: form.maxAttempts.trim() === "" ? null : wholeOrZero(form.maxAttempts),
  };
}

const wholeOrZero = (text: string): number => {
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 0 && n <= 4_294_967_295 ? n : 0;
};
