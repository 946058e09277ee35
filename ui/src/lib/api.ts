// The only module that talks to the Rust side. Components import from here, never from
// @tauri-apps/api directly, so the whole IPC surface is visible (and mockable) in one place.
// Command names, argument names and result types come from bindings/commands.ts, which Rust
// generates from its one list of commands: a wrong name does not type-check.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { Commands } from "./bindings/commands";
import type {
  DeliverySummary,
  ForwardInput,
  ExportFormat,
  NewHookRoute,
  RouteResponse,
  SampleRequest,
  Query,
  Settings,
} from "./bindings/inbox";
import type {
  ActionItem,
  Applied,
  BulkAction,
  ConnectionInput,
  DtrWebhook,
  DtrWebhookDraft,
  DtrWebhookTestDraft,
  DtrWebhookUpdate,
  Notification,
  NotificationSpec,
  PlanItem,
  Progress,
  QuayNotificationDraft,
  QuayNotificationView,
  RepositoryChange,
  RepositoryDraft,
  ScanEvent,
  Target,
} from "./bindings/registry";
import type {
  CommandError,
  ErrorKind,
  OpenRequest,
} from "./bindings/shell";

// Every type the Rust side shares, for the components: the generated modules, whole.
export type * from "./bindings/inbox";
export type * from "./bindings/registry";
export type * from "./bindings/shell";

/** The Quay notifications of a listing. */
export const quayNotificationsOf = (list: Notification[]): QuayNotificationView[] =>
  list.flatMap((n) => (n.registry === "quay" ? [n] : []));

/** The DTR webhooks of a listing. */
export const dtrWebhooksOf = (list: Notification[]): DtrWebhook[] =>
  list.flatMap((n) => (n.registry === "dtr" ? [n] : []));

/** A repository of a connection, as every repository-scoped call takes it. */
export type RepoAddress = { connectionId: string; namespace: string; name: string };

// Every kind, so a kind Rust adds or drops fails to type-check here.
const KINDS: Record<ErrorKind, true> = {
  invalid: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  unreachable: true,
  rate_limited: true,
  conflict: true,
  registry: true,
  unavailable: true,
  superseded: true,
  keyring: true,
  storage: true,
  internal: true,
};

const isKind = (k: unknown): k is ErrorKind => typeof k === "string" && k in KINDS;

/** Turns whatever a rejected invoke carried into a CommandError the UI can show. Rejections
 *  that are not a CommandError (Tauri's own, such as an ACL refusal) are `internal`. */
export function toCommandError(e: unknown): CommandError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    const { kind, message, field } = e as Record<string, unknown>;
    const error: CommandError = {
      kind: isKind(kind) ? kind : "internal",
      message: String(message),
    };
    if (typeof field === "string") error.field = field;
    return error;
  }
  return { kind: "internal", message: typeof e === "string" ? e : String(e) };
}

type Name = keyof Commands;

async function call<K extends Name>(
  cmd: K,
  ...[args]: Commands[K]["args"] extends Record<string, never> ? [] : [Commands[K]["args"]]
): Promise<Commands[K]["result"]> {
  try {
    return await invoke<Commands[K]["result"]>(cmd, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

function channel<T>(onMessage: (message: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}

export const api = {
  appInfo: () => call("app_info"),
  inboxStatus: () => call("inbox_status"),
  /** Deliveries matching `query`, newest first. A search for other filters supersedes one still
   *  running, which then fails with kind `superseded`. */
  inboxList: (query: Query) => call("inbox_list", { query }),
  /** Calls `onDelivery` for every delivery stored from now on (Rust sends them in batches of
   *  up to 100 ms). Re-subscribing replaces the feed. */
  inboxSubscribe: (onDelivery: (d: DeliverySummary) => void) =>
    call("inbox_subscribe", {
      onDeliveries: channel((batch: DeliverySummary[]) => batch.forEach(onDelivery)),
    }),
  /** Everything stored for one delivery, with a redacted `curl` command. */
  inboxGet: (id: number) => call("inbox_get", { id }),
  /** How many deliveries match `query`'s filters (what an export would write). */
  inboxCount: (query: Query) => call("inbox_count", { query }),
  /** Asks where to save with the system's Save dialog (Rust opens it, in Downloads), then
   *  writes the deliveries matching `query` there; null when the dialog was cancelled. */
  inboxExport: (query: Query, format: ExportFormat) => call("inbox_export", { query, format }),
  /** Shows the last exported file in the desktop's file manager. */
  inboxRevealExport: () => call("inbox_reveal_export"),
  /** Every route of the inbox, oldest first. */
  inboxRoutes: () => call("inbox_routes"),
  /** Calls `onOpen` whenever a desktop toast is clicked, with the delivery it was about (null:
   *  the Inbox itself). Re-subscribing replaces the previous listener. */
  inboxOpenRequests: (onOpen: (r: OpenRequest) => void) =>
    call("inbox_open_requests", { onOpen: channel(onOpen) }),
  /** Sends a stored delivery again to `url`; the sender's credential headers only when
   *  `keepCredentials`. */
  inboxReplay: (id: number, url: string, keepCredentials: boolean) =>
    call("inbox_replay", { id, url, keepCredentials }),
  /** Deletes every stored delivery; returns how many. */
  inboxClear: () => call("inbox_clear"),
  /** Where the forwarding of each of `ids` stands (list rows still queued or retrying). */
  inboxForwardStates: (ids: number[]) => call("inbox_forward_states", { ids }),
  /** Every attempt to forward one delivery, oldest first. */
  inboxForwardAttempts: (id: number) => call("inbox_forward_attempts", { id }),
  /** Queues one delivery to be forwarded again (its route must forward). */
  inboxForwardAgain: (id: number) => call("inbox_forward_again", { id }),
  /** Queues again every delivery matching `query`'s filters whose route forwards; how many. */
  inboxForwardAgainMatching: (query: Query) => call("inbox_forward_again_matching", { query }),
  /** Sets how a route forwards (null turns it off); header values left null keep the saved
   *  ones, which never come back. */
  inboxRouteForward: (token: string, forward: ForwardInput | null) =>
    call("inbox_route_forward", { token, forward }),
  /** What each URL is to this inbox: a current route, one at an address the receiver moved
   *  from, an unknown route, or not a route. */
  inboxRouteCheck: (urls: string[]) => call("inbox_route_check", { urls }),
  /** Sets how a route answers (status, body, delay), to watch a registry retry and give up. */
  inboxRouteRespond: (token: string, response: RouteResponse) =>
    call("inbox_route_respond", { token, response }),
  /** Mints a receiver route ("Send to Wharf") and returns the URL to give the registry. */
  inboxRouteCreate: (route: NewHookRoute) => call("inbox_route_create", { route }),
  /** Every route with its URLs (local, LAN, public) and how many deliveries came through it. */
  inboxRouteList: () => call("inbox_route_list"),
  /** Renames a route (trimmed); the route as it is now. */
  inboxRouteLabel: (token: string, label: string) => call("inbox_route_label", { token, label }),
  /** Deletes a route: its URL answers 404 from now on; its deliveries stay. */
  inboxRouteDelete: (token: string) => call("inbox_route_delete", { token }),
  /** The Quay events and DTR types a sample can be sent for, with Quay's payload variants. */
  inboxSamples: () => call("inbox_samples"),
  /** Sends a registry's sample to a route through the receiver, with the registry's headers. */
  inboxSampleSend: (token: string, sample: SampleRequest) =>
    call("inbox_sample_send", { token, sample }),

  settingsGet: () => call("settings_get"),
  /** Saves and applies settings; the receiver moves to a new address, port or body limit at
   *  once, or stays where it was and `listenError` says why. */
  settingsSave: (next: Settings) => call("settings_save", { next }),

  connectionList: () => call("connection_list"),
  /** Creates (no id) or updates a connection; a blank token keeps the stored one. A new
   *  connection, or a new address, TLS or token, is verified first: a failure saves nothing
   *  (`notVerified`) unless `anyway`. */
  connectionSave: (input: ConnectionInput, anyway: boolean) =>
    call("connection_save", { input, anyway }),
  connectionRemove: (id: string) => call("connection_remove", { id }),
  /** Verifies with the stored token; the result is kept as the connection's health. */
  connectionVerify: (id: string) => call("connection_verify", { id }),

  registryNamespaceList: (connectionId: string) =>
    call("registry_namespace_list", { connectionId }),
  /** Every repository of a namespace (all pages); `onProgress` gets the count after each page. */
  registryRepositoryList: (
    connectionId: string,
    namespace: string,
    onProgress: (p: Progress) => void,
  ) => call("registry_repository_list", { connectionId, namespace, onProgress: channel(onProgress) }),
  /** Every repository of every namespace of the connection, with the namespaces that failed;
   *  `onProgress` counts the namespaces listed. */
  registryRepositoryListAll: (connectionId: string, onProgress: (p: Progress) => void) =>
    call("registry_repository_list_all", { connectionId, onProgress: channel(onProgress) }),

  /** The notifications (Quay) or webhooks (DTR) of a repository, or of a namespace (DTR) when
   *  `repository` is null. */
  registryNotificationList: (connectionId: string, namespace: string, repository: string | null) =>
    call("registry_notification_list", { connectionId, namespace, repository }),

  /** One repository (visibility, descriptions, whether the token administers it). */
  registryRepositoryGet: (repo: RepoAddress) => call("registry_repository_get", repo),
  /** Creates a repository; the answer is it as read back from the registry. */
  registryRepositoryCreate: (connectionId: string, draft: RepositoryDraft) =>
    call("registry_repository_create", { connectionId, draft }),
  /** Changes visibility or descriptions; the answer is the repository as read back. */
  registryRepositoryChange: (repo: RepoAddress, change: RepositoryChange) =>
    call("registry_repository_change", { ...repo, change }),
  /** One page of tags; `cursor` is the previous page's `next`. */
  registryRepositoryTags: (repo: RepoAddress, cursor: string | null) =>
    call("registry_repository_tags", { ...repo, cursor }),
  /** What deleting the repository would take with it (tags, notifications or webhooks). */
  registryRepositoryDeleteImpact: (repo: RepoAddress) =>
    call("registry_repository_delete_impact", repo),
  /** Deletes a repository; `typedName` must be its name, as the person typed it. */
  registryRepositoryDelete: (repo: RepoAddress, typedName: string) =>
    call("registry_repository_delete", { ...repo, typedName }),

  quayNotificationCreate: (repo: RepoAddress, draft: QuayNotificationDraft) =>
    call("quay_notification_create", { ...repo, draft }),
  quayNotificationTest: (repo: RepoAddress, uuid: string) =>
    call("quay_notification_test", { ...repo, uuid }),
  quayNotificationReset: (repo: RepoAddress, uuid: string) =>
    call("quay_notification_reset", { ...repo, uuid }),
  quayNotificationDelete: (repo: RepoAddress, uuid: string) =>
    call("quay_notification_delete", { ...repo, uuid }),
  /** The events and methods this connection's Quay has switched off, with why (cached until
   *  the next Verify). */
  quayFeatures: (connectionId: string) => call("quay_features", { connectionId }),
  /** Teams of an organization (empty when the user is not a member). */
  quayTeamList: (connectionId: string, org: string) => call("quay_team_list", { connectionId, org }),
  /** Whether Quay may e-mail `email` for the repository: null when nobody asked yet. */
  quayEmailStatus: (repo: RepoAddress, email: string) =>
    call("quay_email_status", { ...repo, email }),
  /** Has Quay mail `email` its confirmation link for the repository. */
  quayEmailConfirm: (repo: RepoAddress, email: string) =>
    call("quay_email_confirm", { ...repo, email }),

  dtrWebhookCreate: (connectionId: string, draft: DtrWebhookDraft) =>
    call("dtr_webhook_create", { connectionId, draft }),
  dtrWebhookTest: (connectionId: string, draft: DtrWebhookTestDraft) =>
    call("dtr_webhook_test", { connectionId, draft }),
  /** Pause/resume or TLS change; `endpoint` is the webhook's current endpoint. */
  dtrWebhookUpdate: (connectionId: string, update: DtrWebhookUpdate, endpoint: string) =>
    call("dtr_webhook_update", { connectionId, update, endpoint }),
  dtrWebhookDelete: (connectionId: string, id: string) =>
    call("dtr_webhook_delete", { connectionId, id }),

  /** Scans every repository of the connections (one namespace each when given); rows arrive
   *  on `onEvent` as each repository answers. A new scan cancels the running one. */
  fleetScan: (connectionIds: string[], namespace: string | null, onEvent: (e: ScanEvent) => void) =>
    call("fleet_scan", { connectionIds, namespace, onEvent: channel(onEvent) }),
  fleetCancel: () => call("fleet_cancel"),
  /** Runs one action on notifications of one connection, each read back; one result each. */
  fleetAct: (
    connectionId: string,
    action: BulkAction,
    items: ActionItem[],
    onProgress: (p: Progress) => void,
  ) => call("fleet_act", { connectionId, action, items, onProgress: channel(onProgress) }),
  /** Plans a notification set (its JSON text) on a connection. */
  fleetPlan: (
    connectionId: string,
    setText: string,
    prune: boolean,
    onProgress: (p: Progress) => void,
  ) => call("fleet_plan", { connectionId, setText, prune, onProgress: channel(onProgress) }),
  /** Plans copying notifications of `from` (`ids`, or all) to the `to` repositories. */
  fleetPlanCopy: (
    connectionId: string,
    from: Target,
    ids: string[] | null,
    to: Target[],
    onProgress: (p: Progress) => void,
  ) => call("fleet_plan_copy", { connectionId, from, ids, to, onProgress: channel(onProgress) }),
  /** A notification as an editable spec. */
  fleetSpec: (connectionId: string, target: Target, id: string) =>
    call("fleet_spec", { connectionId, target, id }),
  /** Applies the create and delete lines of a plan; with `retry` (lines that failed before)
   *  each repository is read first, so nothing is made twice. */
  fleetApply: (
    connectionId: string,
    items: PlanItem[],
    retry: boolean,
    onProgress: (p: Progress) => void,
  ) => call("fleet_apply", { connectionId, items, retry, onProgress: channel(onProgress) }),
  /** Deletes exactly what an apply created. */
  fleetUndo: (connectionId: string, applied: Applied[]) =>
    call("fleet_undo", { connectionId, applied }),
  /** Exports notifications as a set; `save` also writes it to Downloads. */
  fleetExport: (
    connectionId: string,
    namespace: string | null,
    targets: Target[] | null,
    save: boolean,
  ) => call("fleet_export", { connectionId, namespace, targets, save }),
  /** Safe edit: creates `spec`, optionally tests it and waits, then deletes `oldId`. */
  fleetEdit: (connectionId: string, target: Target, oldId: string, spec: NotificationSpec, test: boolean) =>
    call("fleet_edit", { connectionId, target, oldId, spec, test }),
  /** Retries deleting the old notification of an edit. */
  fleetEditFinish: (connectionId: string, target: Target, oldId: string) =>
    call("fleet_edit_finish", { connectionId, target, oldId }),
  /** Points notifications at this inbox's current address (after the receiver moved), by safe
   *  edit; one result each. */
  fleetRepoint: (connectionId: string, items: ActionItem[], onProgress: (p: Progress) => void) =>
    call("fleet_repoint", { connectionId, items, onProgress: channel(onProgress) }),
};
