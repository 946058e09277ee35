// The only module that talks to the Rust side. Components import from here, never from
// @tauri-apps/api directly, so the whole IPC surface is visible (and mockable) in one place.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "./bindings/AppInfo";
import type { CommandError } from "./bindings/CommandError";
import type { DeliverySummary } from "./bindings/DeliverySummary";
import type { InboxQuery } from "./bindings/InboxQuery";
import type { ReceiverStatus } from "./bindings/ReceiverStatus";
import type { Connection } from "./bindings/Connection";
import type { ConnectionInput } from "./bindings/ConnectionInput";
import type { ConnectionsOverview } from "./bindings/ConnectionsOverview";
import type { Verified } from "./bindings/Verified";
import type { NamespaceItem } from "./bindings/NamespaceItem";
import type { RepositoryItem } from "./bindings/RepositoryItem";
import type { Progress } from "./bindings/Progress";
import type { QuayNotification } from "./bindings/QuayNotification";
import type { QuayNotificationDraft } from "./bindings/QuayNotificationDraft";
import type { QuayTeam } from "./bindings/QuayTeam";
import type { Source } from "./bindings/Source";
import type { DtrWebhook } from "./bindings/DtrWebhook";
import type { DtrWebhookDraft } from "./bindings/DtrWebhookDraft";
import type { DtrWebhookTestDraft } from "./bindings/DtrWebhookTestDraft";
import type { DtrWebhookUpdate } from "./bindings/DtrWebhookUpdate";
import type { NewHookRoute } from "./bindings/NewHookRoute";
import type { MintedRoute } from "./bindings/MintedRoute";
import type { DeliveryDetail } from "./bindings/DeliveryDetail";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { ReplayOutcome } from "./bindings/ReplayOutcome";
import type { Settings } from "./bindings/Settings";
import type { SettingsView } from "./bindings/SettingsView";
import type { Theme } from "./bindings/Theme";
import type { ToastRules } from "./bindings/ToastRules";
import type { RuleMode } from "./bindings/RuleMode";

export type {
  AppInfo,
  CommandError,
  Connection,
  ConnectionInput,
  ConnectionsOverview,
  DeliveryDetail,
  DeliverySummary,
  DtrWebhook,
  DtrWebhookDraft,
  DtrWebhookTestDraft,
  DtrWebhookUpdate,
  ExportFormat,
  InboxQuery,
  MintedRoute,
  NamespaceItem,
  NewHookRoute,
  Progress,
  QuayNotification,
  QuayNotificationDraft,
  QuayTeam,
  ReceiverStatus,
  ReplayOutcome,
  RepositoryItem,
  RuleMode,
  Settings,
  SettingsView,
  Source,
  Theme,
  ToastRules,
  Verified,
};

/** A repository of a connection, as every repository-scoped call takes it. */
export type RepoAddress = { connectionId: string; namespace: string; name: string };

/** Turns whatever a rejected invoke carried into a CommandError the UI can show. */
export function toCommandError(e: unknown): CommandError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    const { kind, message, field } = e as Record<string, unknown>;
    const error: CommandError = { kind: String(kind), message: String(message) };
    if (typeof field === "string") error.field = field;
    return error;
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
  /** Everything stored for one delivery, with a redacted `curl` command. */
  inboxGet: (id: number) => call<DeliveryDetail>("inbox_get", { id }),
  /** Writes the matching deliveries to a file (Downloads) and returns its path. */
  inboxExport: (query: InboxQuery, format: ExportFormat) =>
    call<string>("inbox_export", { query, format }),
  /** Sends a stored delivery again to `url`. */
  inboxReplay: (id: number, url: string) => call<ReplayOutcome>("inbox_replay", { id, url }),
  /** Deletes every stored delivery; returns how many. */
  inboxClear: () => call<number>("inbox_clear"),
  /** Mints a receiver route ("Send to Wharf") and returns the URL to give the registry. */
  inboxRouteCreate: (route: NewHookRoute) => call<MintedRoute>("inbox_route_create", { route }),

  settingsGet: () => call<SettingsView>("settings_get"),
  /** Saves and applies settings; the receiver moves to a new address, port or body limit at
   *  once, or stays where it was and `listenError` says why. */
  settingsSave: (next: Settings) => call<SettingsView>("settings_save", { next }),

  connectionsList: () => call<ConnectionsOverview>("connections_list"),
  /** Creates (no id) or updates a connection; a blank token keeps the stored one. */
  connectionSave: (input: ConnectionInput) => call<Connection>("connection_save", { input }),
  connectionRemove: (id: string) => call<void>("connection_remove", { id }),
  connectionVerify: (id: string) => call<Verified>("connection_verify", { id }),

  namespaces: (connectionId: string) =>
    call<NamespaceItem[]>("registry_namespaces", { connectionId }),
  /** Every repository of a namespace (all pages); `onProgress` gets the count after each page. */
  repositories: (connectionId: string, namespace: string, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call<RepositoryItem[]>("registry_repositories", {
      connectionId,
      namespace,
      onProgress: channel,
    });
  },

  quayNotifications: (repo: RepoAddress) => call<QuayNotification[]>("quay_notifications", repo),
  quayNotificationCreate: (repo: RepoAddress, draft: QuayNotificationDraft) =>
    call<QuayNotification>("quay_notification_create", { ...repo, draft }),
  quayNotificationTest: (repo: RepoAddress, uuid: string) =>
    call<void>("quay_notification_test", { ...repo, uuid }),
  quayNotificationReset: (repo: RepoAddress, uuid: string) =>
    call<void>("quay_notification_reset", { ...repo, uuid }),
  quayNotificationDelete: (repo: RepoAddress, uuid: string) =>
    call<void>("quay_notification_delete", { ...repo, uuid }),
  /** Teams of an organization (empty when the user is not a member). */
  quayTeams: (connectionId: string, org: string) =>
    call<QuayTeam[]>("quay_teams", { connectionId, org }),

  /** Webhooks of a repository, or of the namespace when `repository` is null. */
  dtrWebhooks: (connectionId: string, namespace: string, repository: string | null) =>
    call<DtrWebhook[]>("dtr_webhooks", { connectionId, namespace, repository }),
  dtrWebhookCreate: (connectionId: string, draft: DtrWebhookDraft) =>
    call<DtrWebhook>("dtr_webhook_create", { connectionId, draft }),
  dtrWebhookTest: (connectionId: string, draft: DtrWebhookTestDraft) =>
    call<void>("dtr_webhook_test", { connectionId, draft }),
  /** Pause/resume or TLS change; `endpoint` is the webhook's current endpoint. */
  dtrWebhookUpdate: (connectionId: string, update: DtrWebhookUpdate, endpoint: string) =>
    call<DtrWebhook>("dtr_webhook_update", { connectionId, update, endpoint }),
  dtrWebhookDelete: (connectionId: string, id: string) =>
    call<void>("dtr_webhook_delete", { connectionId, id }),
};
