// What the detail panel shows of a delivery, worked out from the DeliveryDetail.
import type { DeliveryDetail, ReplayOutcome } from "../../lib/api";
import { jsonTree, type JsonNode } from "./json";

/** Bodies longer than this (in UTF-16 units) get no tree: parsing and rendering would stall. */
export const TREE_MAX_CHARS = 4_000_000;
/** Raw text and base64 longer than this show their start until "Show all" is pressed. */
export const RAW_PREVIEW_CHARS = 1_000_000;

export type BodyView =
  | { kind: "empty" }
  | { kind: "json"; tree: JsonNode; raw: string }
  | { kind: "text"; raw: string; tooLargeForTree?: boolean }
  | { kind: "binary"; bytes: number; base64: string };

/** Decoded length of a base64 string (padding and line breaks allowed). */
export function base64Bytes(b64: string): number {
  const s = b64.replace(/[\s]/g, "");
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((s.length * 3) / 4) - pad);
}

export function bodyView(d: DeliveryDetail): BodyView {
  if (d.bodyBase64 !== null) {
    return { kind: "binary", bytes: base64Bytes(d.bodyBase64), base64: d.bodyBase64 };
  }
  const raw = d.bodyText ?? "";
  if (raw === "") return { kind: "empty" };
  if (raw.length > TREE_MAX_CHARS) return { kind: "text", raw, tooLargeForTree: true };
  const tree = jsonTree(raw);
  return tree ? { kind: "json", tree, raw } : { kind: "text", raw };
}

/** The part of a long text shown before "Show all"; `cut` when something was left out. */
export function clip(text: string, all: boolean, max = RAW_PREVIEW_CHARS): { text: string; cut: number } {
  if (all || text.length <= max) return { text, cut: 0 };
  return { text: text.slice(0, max), cut: text.length - max };
}

/** "binary body, 1,234 bytes". */
export const binaryLabel = (bytes: number): string =>
  `binary body, ${bytes.toLocaleString("en-US")} ${bytes === 1 ? "byte" : "bytes"}`;

/** The request line: `POST /hooks/abc?x=1`. */
export const requestLine = (d: DeliveryDetail): string =>
  `${d.summary.method} ${d.summary.path}${d.query ? `?${d.query}` : ""}`;

/** "→ 202 in 12 ms". */
export const replayText = (o: ReplayOutcome): string => `→ ${o.status} in ${Math.round(o.elapsedMs)} ms`;

/** Why a replay target cannot be used, or null. */
export function replayUrlProblem(raw: string): string | null {
  const text = raw.trim();
  if (!text) return "Enter the URL to send the delivery to.";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "Not a URL; it must look like http://localhost:8080/hook.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return "The URL must start with http:// or https://.";
  if (!url.hostname) return "The URL needs a host.";
  return null;
}


// Formatters are costly to create; the list formats a few dozen times per frame while scrolling.
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A list row's time: the time of day for today's deliveries, else a short date and time. */
export function rowTime(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const n = new Date(now);
  const sameDay =
    d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? timeOfDay.format(d) : dayAndTime.format(d);
}

/** Date and time with seconds, for tooltips and the detail panel. */
export const fullTime = (ms: number): string => full.format(new Date(ms));
