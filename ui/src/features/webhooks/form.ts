// The DTR webhook form: checks (instant feedback; Rust's validator is the one of record and its
// refusals land on the field they name) and the drafts sent for create, test and pause/resume.
import type {
  DtrWebhook,
  DtrWebhookDraft,
  DtrWebhookTestDraft,
  DtrWebhookUpdate,
} from "../../lib/api";
import { CATALOG } from "../../lib/bindings/catalog";
import { deliveryUrlProblem, isHttp } from "../send-to-wharf/url";

export type WebhookType = DtrWebhookDraft["type"];
export type WebhookScope = DtrWebhookDraft["scope"];
export type ScopeKind = WebhookScope["kind"];

/** DTR's webhook types with their words and scopes, from Rust (bindings/catalog.ts). */
export const WEBHOOK_TYPES = CATALOG.dtrWebhookTypes as {
  value: WebhookType;
  label: string;
  scope: ScopeKind;
}[];

/**
 * The types a webhook at `level` can take: a repository's form offers repository types only,
 * a namespace's form namespace types only (DTR refuses the others there, walkthrough #33).
 */
export const typesAt = (level: ScopeKind): typeof WEBHOOK_TYPES =>
  WEBHOOK_TYPES.filter((t) => t.scope === level);

/** The scope a type belongs to; null for a name Wharf does not know. */
export function scopeOf(type: string): ScopeKind | null {
  const known = WEBHOOK_TYPES.find((t) => t.value === type);
  if (known) return known.scope;
  return type.startsWith("CHART_") ? "repository" : null;
}

export const typeLabel = (type: string): string =>
  WEBHOOK_TYPES.find((t) => t.value === type)?.label ?? type;

/** `acme/web` or `acme`: the key DTR stores for a scope. */
export function scopeKey(scope: WebhookScope): string {
  switch (scope.kind) {
    case "repository":
      return `${scope.namespace}/${scope.repository}`;
    case "namespace":
      return scope.namespace;
    case "global":
      return "";
  }
}

export type WebhookForm = {
  type: WebhookType;
  endpoint: string;
  tlsCert: string;
  skipTLSVerification: boolean;
};

export type WebhookField = "type" | "endpoint" | "tlsCert" | "skipTLSVerification";
export type WebhookErrors = Partial<Record<WebhookField, string>>;

/** The form field of each draft field Rust's validator can refuse. */
export const WEBHOOK_FIELDS: Record<string, WebhookField> = {
  type: "type",
  endpoint: "endpoint",
  tlsCert: "tlsCert",
  skipTLSVerification: "skipTLSVerification",
};

export function emptyWebhookForm(scope: WebhookScope): WebhookForm {
  return {
    type: scope.kind === "namespace" ? "REPO_EVENT" : "TAG_PUSH",
    endpoint: "",
    tlsCert: "",
    skipTLSVerification: false,
  };
}

const PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
const PEM_END = "-----END CERTIFICATE-----";

/** Why a TLS certificate field cannot be used, or null (empty means the DTR server's CAs). */
export function tlsCertProblem(raw: string): string | null {
  const pem = raw.trim();
  if (!pem) return null;
  const ok = pem.startsWith(PEM_BEGIN) && pem.endsWith(PEM_END) && pem.length > PEM_BEGIN.length + PEM_END.length;
  return ok
    ? null
    : `The TLS certificate must be PEM text from ${PEM_BEGIN} to ${PEM_END}, or empty to use the trusted CAs of the DTR server.`;
}

/** The words of the form's checkbox that sets `skipTLSVerification`. */
export const SKIP_TLS_LABEL = "Allow http:// or untrusted certificates";

export const HTTP_NEEDS_SKIP = `DTR only delivers to an http:// endpoint when “${SKIP_TLS_LABEL}” is on. Turn it on, or use an https:// endpoint.`;

function typeProblem(type: string, scope: WebhookScope): string | null {
  if (!type) return "Choose a webhook type.";
  const kind = scopeOf(type);
  if (kind === null || kind === scope.kind) return null;
  if (kind === "global")
    return `${type} is a global event of the whole DTR: it cannot be limited to a repository or namespace.`;
  if (kind === "repository")
    return `${type} webhooks belong to one repository: add it from a repository, not a whole namespace.`;
  return `${type} webhooks belong to a namespace: add it from the namespace's Webhooks view, not a repository.`;
}

/** Field errors for a webhook attached to `scope`; empty when it can be sent. */
export function validateWebhook(f: WebhookForm, scope: WebhookScope): WebhookErrors {
  const e: WebhookErrors = {};
  const type = typeProblem(f.type, scope);
  if (type) e.type = type;
  const endpoint = deliveryUrlProblem(f.endpoint, "endpoint", false);
  if (endpoint) e.endpoint = endpoint;
  else if (isHttp(f.endpoint) && !f.skipTLSVerification) e.skipTLSVerification = HTTP_NEEDS_SKIP;
  const cert = tlsCertProblem(f.tlsCert);
  if (cert) e.tlsCert = cert;
  return e;
}

/** The draft for `api.dtrWebhookCreate`. */
export function buildDraft(f: WebhookForm, scope: WebhookScope): DtrWebhookDraft {
  return {
    type: f.type,
    scope,
    endpoint: f.endpoint.trim(),
    tlsCert: f.tlsCert.trim(),
    skipTLSVerification: f.skipTLSVerification,
  };
}

/**
 * DTR 2.5 has no TLS fields (null). Sending `skipTLSVerification` for an http:// endpoint
 * keeps Wharf's update check happy and is ignored by a server without the field.
 */
const skipOf = (w: DtrWebhook): boolean => w.skipTLSVerification ?? isHttp(w.endpoint);

/** The test delivery of an existing webhook, with its own endpoint and TLS settings. */
export function testDraftOf(w: DtrWebhook): DtrWebhookTestDraft {
  return {
    type: w.type,
    endpoint: w.endpoint,
    tlsCert: w.tlsCert ?? "",
    skipTLSVerification: skipOf(w),
  };
}

/** Pause an active webhook or resume a paused one, keeping its TLS settings. */
export function toggleUpdate(w: DtrWebhook): DtrWebhookUpdate {
  return {
    id: w.id,
    inactive: !w.inactive,
    tlsCert: w.tlsCert ?? "",
    skipTLSVerification: skipOf(w),
  };
}

/**
 * What the row says about deliveries. DTR's `lastSuccessfulAt` counts real events only (its
 * test is not tied to a webhook), so after a test arrived the row says why it still has none
 * instead of "never delivered" beside "✓ delivered" (walkthrough #31).
 */
export function deliveryText(
  lastSuccessfulAt: string | null,
  testArrived: boolean,
  date: (rfc3339: string) => string,
): string {
  if (lastSuccessfulAt) return `last event delivered ${date(lastSuccessfulAt)}`;
  return testArrived ? "no real event delivered yet (DTR does not count tests)" : "no event delivered yet";
}

/** Said under a paused webhook's test (walkthrough #32). */
export const PAUSED_TEST_NOTE = "Paused: real events are not sent; this test is.";

/** Where the other levels' types are added, under the type select. */
export function otherLevelsHint(level: ScopeKind): string {
  const named = (l: ScopeKind) => typesAt(l).map((t) => t.value).join(", ");
  return level === "namespace"
    ? "Events of one repository are added from that repository."
    : `Namespace events (${named("namespace")}) are added from the namespace's Webhooks view.`;
}
