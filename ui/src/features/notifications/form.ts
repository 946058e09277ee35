// The Quay notification form: checks (instant feedback; Rust's validator is the one of record
// and its refusals land on the field they name) and the draft it sends, plus how to describe a
// stored notification.
import type { QuayFeatures, QuayNotificationView, QuayNotificationDraft } from "../../lib/api";
import { CATALOG } from "../../lib/bindings/catalog";
import { deliveryUrlProblem } from "../send-to-wharf/url";

export type EventSpec = QuayNotificationDraft["event"];
export type MethodSpec = QuayNotificationDraft["method"];
export type EventKind = EventSpec["kind"];
export type MethodKind = MethodSpec["kind"];
export type Severity = Extract<EventSpec, { kind: "vulnerability_found" }>["level"];
export type TargetKind = Extract<MethodSpec, { kind: "quay_notification" }>["target"]["kind"];

// The choices and their words come from Rust (bindings/catalog.ts); the draft's unions name the
// values a new notification may take.
const EVENT_CHOICES = CATALOG.quayEvents as { value: EventKind; label: string }[];
const METHOD_CHOICES = CATALOG.quayMethods as { value: MethodKind; label: string }[];

export const EVENTS = EVENT_CHOICES;
export const METHODS = METHOD_CHOICES;
export const TARGET_KINDS = CATALOG.quayTargets;
/** Worst first, as Quay lists them. */
export const SEVERITIES: Severity[] = CATALOG.quaySeverities;

export const BUILD_EVENTS: readonly EventKind[] = [
  "build_queued",
  "build_start",
  "build_success",
  "build_failure",
  "build_cancelled",
];
export const isBuildEvent = (kind: EventKind): boolean => BUILD_EVENTS.includes(kind);

export const eventLabel = (kind: string): string =>
  CATALOG.quayEvents.find((e) => e.value === kind)?.label ?? kind;
/** A body template whose paths this event's payload carries (from the catalog), for the
 *  template field's example (walkthrough #20). */
export const templateExample = (kind: string): string =>
  CATALOG.quayEvents.find((e) => e.value === kind)?.templateExample ?? "";
export const methodLabel = (kind: string): string =>
  CATALOG.quayMethods.find((m) => m.value === kind)?.label ?? kind;

/** Why `event` never fires on this Quay, or null (also while its features are unknown). */
export const eventUnavailable = (features: QuayFeatures | null, event: string): string | null =>
  features?.unavailableEvents.find((u) => u.value === event)?.reason ?? null;

/** Why `method` cannot deliver on this Quay, or null. */
export const methodUnavailable = (features: QuayFeatures | null, method: string): string | null =>
  features?.unavailableMethods.find((u) => u.value === method)?.reason ?? null;

export const MAX_TITLE_CHARS = 255;
export const MAX_EXPIRY_DAYS = 3650;

export type NotificationForm = {
  title: string;
  event: EventKind;
  refRegex: string;
  level: Severity;
  days: number | null;
  method: MethodKind;
  /** Webhook or Slack URL. */
  url: string;
  template: string;
  email: string;
  targetKind: TargetKind;
  targetName: string;
  flowToken: string;
  roomId: string;
  roomToken: string;
};

export type NotificationField =
  | "title"
  | "days"
  | "url"
  | "template"
  | "email"
  | "targetName"
  | "flowToken"
  | "roomId"
  | "roomToken";
export type NotificationErrors = Partial<Record<NotificationField, string>>;

/** The form field of each draft field Rust's validator can refuse. */
export const NOTIFICATION_FIELDS: Record<string, NotificationField> = {
  title: "title",
  "event.days": "days",
  "method.url": "url",
  "method.template": "template",
  "method.email": "email",
  "method.target": "targetName",
  "method.flowApiToken": "flowToken",
  "method.roomId": "roomId",
  "method.notificationToken": "roomToken",
};

export function emptyNotificationForm(): NotificationForm {
  return {
    title: "",
    event: "repo_push",
    refRegex: "",
    level: "High",
    days: 7,
    method: "webhook",
    url: "",
    template: "",
    email: "",
    targetKind: "user",
    targetName: "",
    flowToken: "",
    roomId: "",
    roomToken: "",
  };
}

/** Why a webhook body template cannot be used, or null (empty means "send the event"). */
export function templateProblem(raw: string): string | null {
  const template = raw.trim();
  if (!template) return null;
  try {
    JSON.parse(template);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return `The body template must be a JSON document, such as {"text": "\${repository} was pushed"}, or empty to send the event itself: ${why}.`;
  }
  let rest = template;
  for (let start = rest.indexOf("${"); start >= 0; start = rest.indexOf("${")) {
    rest = rest.slice(start + 2);
    const end = rest.indexOf("}");
    if (end < 0) break;
    if (!rest.slice(0, end).trim())
      return "The body template contains an empty ${} expression; put a path inside, such as ${repository} or ${updated_tags[0]}.";
    rest = rest.slice(end + 1);
  }
  return null;
}

/** Why an e-mail address cannot be used, or null. */
export function emailProblem(raw: string): string | null {
  const email = raw.trim();
  if (!email) return "Enter the e-mail address to notify.";
  if (/[\s\u0000-\u001f\u007f]/.test(email)) return "The e-mail address is not valid: it contains spaces.";
  const at = email.lastIndexOf("@");
  if (at < 0) return "The e-mail address is not valid: it has no @.";
  if (at === 0) return "The e-mail address is not valid: nothing comes before the @.";
  const domain = email.slice(at + 1);
  const ok =
    domain.includes(".") &&
    !domain.startsWith(".") &&
    !domain.endsWith(".") &&
    !domain.includes("..") &&
    !/[@/]/.test(domain);
  return ok
    ? null
    : "The e-mail address is not valid: the part after the @ is not a domain such as example.com.";
}

function targetProblem(kind: TargetKind, raw: string, namespace: string): string | null {
  const name = raw.trim();
  if (!name) return "Choose the user, team or organization to notify.";
  if (/[\s\u0000-\u001f\u007f/]/.test(name))
    return `"${name}" is not a valid Quay user, team or organization name: it contains spaces, "/" or control characters.`;
  if (kind === "user" && name.includes("+"))
    return `"${name}" is a robot account; robots cannot receive Quay notifications. Choose a person, a team or the organization.`;
  if (kind === "org" && name !== namespace)
    return `Quay can only notify the organization that owns the repository ("${namespace}"), not "${name}".`;
  return null;
}

/** Field errors for a notification of a repository in `namespace`; empty when it can be sent. */
export function validateNotification(f: NotificationForm, namespace: string): NotificationErrors {
  const e: NotificationErrors = {};
  const titleChars = [...f.title.trim()].length;
  if (titleChars > MAX_TITLE_CHARS)
    e.title = `The title is ${titleChars} characters long; Quay stores at most ${MAX_TITLE_CHARS}.`;
  if (f.event === "repo_image_expiry") {
    const d = f.days;
    if (d === null || !Number.isInteger(d) || d < 1 || d > MAX_EXPIRY_DAYS)
      e.days = `Enter a whole number of days from 1 to ${MAX_EXPIRY_DAYS}.`;
  }
  switch (f.method) {
    case "webhook": {
      const url = deliveryUrlProblem(f.url, "webhook", true);
      if (url) e.url = url;
      const template = templateProblem(f.template);
      if (template) e.template = template;
      break;
    }
    case "slack": {
      const url = deliveryUrlProblem(f.url, "Slack webhook", true);
      if (url) e.url = url;
      break;
    }
    case "email": {
      const email = emailProblem(f.email);
      if (email) e.email = email;
      break;
    }
    case "quay_notification": {
      const target = targetProblem(f.targetKind, f.targetName, namespace);
      if (target) e.targetName = target;
      break;
    }
    case "flowdock":
      if (!f.flowToken.trim()) e.flowToken = "Enter the Flowdock flow API token.";
      break;
    case "hipchat":
      if (!f.roomId.trim()) e.roomId = "Enter the HipChat room ID.";
      else if (!/^\d+$/.test(f.roomId.trim()))
        e.roomId = "The HipChat room ID must be a number, such as 1234567.";
      if (!f.roomToken.trim()) e.roomToken = "Enter the HipChat room notification token.";
      break;
  }
  return e;
}

export function eventSpec(f: NotificationForm): EventSpec {
  switch (f.event) {
    case "build_queued":
    case "build_start":
    case "build_success":
    case "build_failure":
    case "build_cancelled":
      return { kind: f.event, refRegex: f.refRegex.trim() };
    case "vulnerability_found":
      return { kind: f.event, level: f.level };
    case "repo_image_expiry":
      return { kind: f.event, days: f.days ?? 0 };
    case "repo_push":
    case "repo_mirror_sync_started":
    case "repo_mirror_sync_success":
    case "repo_mirror_sync_failed":
    case "quota_warning":
    case "quota_error":
      return { kind: f.event };
  }
}

export function methodSpec(f: NotificationForm): MethodSpec {
  switch (f.method) {
    case "webhook":
      return { kind: "webhook", url: f.url.trim(), template: f.template.trim() };
    case "email":
      return { kind: "email", email: f.email.trim() };
    case "slack":
      return { kind: "slack", url: f.url.trim() };
    case "quay_notification":
      return { kind: "quay_notification", target: { kind: f.targetKind, name: f.targetName.trim() } };
    case "flowdock":
      return { kind: "flowdock", flowApiToken: f.flowToken.trim() };
    case "hipchat":
      return {
        kind: "hipchat",
        roomId: f.roomId.trim(),
        notificationToken: f.roomToken.trim(),
      };
  }
}

/** The draft for `api.quayNotificationCreate`. */
export function buildDraft(f: NotificationForm): QuayNotificationDraft {
  return { title: f.title.trim(), event: eventSpec(f), method: methodSpec(f) };
}

/** The label of a "Send to Wharf" route: the title, or the event. */
export const routeLabel = (f: NotificationForm): string => f.title.trim() || f.event;

/** The event option Quay stored, in words (`refs matching …`, `High or worse`, `within 7 days`). */
export function describeEventConfig(n: QuayNotificationView): string | null {
  if (n.refRegex) return `refs matching ${n.refRegex}`;
  if (n.days !== null) return `within ${n.days} days`;
  if (n.level !== null) return `${n.level} or worse`;
  return null;
}

/** Where an e-mail address stands with Quay for a repository: not typed yet, being checked,
 *  never asked, confirmation mailed, confirmed. */
export type EmailState = "unknown" | "checking" | "never" | "pending" | "confirmed";
