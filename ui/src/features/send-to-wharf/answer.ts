// How a route answers, as a person types and reads it: "500", "200:15" (15 s late).
import type { RouteResponse } from "../../lib/api";

/** Longest delay the receiver allows, in seconds (Rust checks again). */
export const MAX_DELAY_SECONDS = 30;

/** `STATUS[:DELAY]` to a response, or what is wrong with the text. */
export function parseAnswer(text: string): RouteResponse | string {
  const [statusText, delayText = "0"] = text.trim().split(":");
  const status = Number(statusText);
  if (!Number.isInteger(status) || status < 200 || status > 599)
    return "Give a status from 200 to 599, optionally with a delay in seconds: 500 or 200:15.";
  const seconds = Number(delayText.replace(/s$/, ""));
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_DELAY_SECONDS)
    return `The delay is a number of seconds from 0 to ${MAX_DELAY_SECONDS}.`;
  return { status, body: null, delayMs: Math.round(seconds * 1000) };
}

/** "200", "500", "200 after 15 s". */
export const answerText = (r: RouteResponse): string =>
  r.delayMs > 0 ? `${r.status} after ${r.delayMs / 1000} s` : `${r.status}`;
