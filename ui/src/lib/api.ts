// The only module that talks to the Rust side. Components import from here, never from
// @tauri-apps/api directly, so the whole IPC surface is visible (and mockable) in one place.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "./bindings/AppInfo";
import type { CommandError } from "./bindings/CommandError";
import type { DeliverySummary } from "./bindings/DeliverySummary";
import type { InboxQuery } from "./bindings/InboxQuery";
import type { ReceiverStatus } from "./bindings/ReceiverStatus";

export type { AppInfo, CommandError, DeliverySummary, InboxQuery, ReceiverStatus };

/** Turns whatever a rejected invoke carried into a CommandError the UI can show. */
export function toCommandError(e: unknown): CommandError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    const { kind, message } = e as Record<string, unknown>;
    return { kind: String(kind), message: String(message) };
  }
  return { kind: "ipc", message: typeof e === "string" ? e : String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  inboxStatus: () => call<ReceiverStatus>("inbox_status"),
  inboxList: (query: InboxQuery) => call<DeliverySummary[]>("inbox_list", { query }),
  /** Calls `onDelivery` for every delivery stored from now on. Re-subscribing replaces the feed. */
  inboxSubscribe: (onDelivery: (d: DeliverySummary) => void) => {
    const channel = new Channel<DeliverySummary>();
    channel.onmessage = onDelivery;
    return call<void>("inbox_subscribe", { onDelivery: channel });
  },
};
