// The connection form's values, checks and the ConnectionInput it sends. The checks are instant
// feedback while typing; `Connection::validate` in Rust is the validator of record, and its
// refusals land on the field they name (CONNECTION_FIELDS).
import type {
  CommandError,
  Connection,
  ConnectionHealth,
  ConnectionInput,
  ConnectionKindChoice,
} from "../../lib/api";
import { CATALOG } from "../../lib/bindings/catalog";

export type ConnectionKind = ConnectionInput["kind"];

/** Each registry kind with its words (placeholders, token label and hint), from Rust. */
export const KINDS: ConnectionKindChoice[] = CATALOG.connectionKinds;

export const kindOf = (kind: ConnectionKind): ConnectionKindChoice =>
  KINDS.find((k) => k.value === kind) ?? KINDS[0];

export const kindLabel = (kind: ConnectionKind): string => kindOf(kind).label;

/** What the form holds. The token lives here only, and only until the form is saved or closed. */
export type ConnectionForm = {
  id: string | null;
  name: string;
  kind: ConnectionKind;
  baseUrl: string;
  username: string;
  token: string;
  caPem: string;
  acceptInvalidCerts: boolean;
};

export type ConnectionField = "name" | "baseUrl" | "username" | "token" | "caPem";
export type ConnectionErrors = Partial<Record<ConnectionField, string>>;

/** The form field of each input Rust's `connection_save` can refuse. */
export const CONNECTION_FIELDS: Record<string, ConnectionField> = {
  name: "name",
  baseUrl: "baseUrl",
  username: "username",
  token: "token",
  "tls.caPem": "caPem",
};

export function emptyForm(): ConnectionForm {
  return {
    id: null,
    name: "",
    kind: "quay",
    baseUrl: "",
    username: "",
    token: "",
    caPem: "",
    acceptInvalidCerts: false,
  };
}

/** The form for editing `c`; the token starts blank, which keeps the stored one. */
export function formFromConnection(c: Connection): ConnectionForm {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    baseUrl: c.baseUrl,
    username: c.username ?? "",
    token: "",
    caPem: c.tls.caPem ?? "",
    acceptInvalidCerts: c.tls.acceptInvalidCerts,
  };
}

/** The address as typed, with `https://` assumed when no scheme was given ("quay.io"). */
export function withScheme(raw: string): string {
  const text = raw.trim();
  return text && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? `https://${text}` : text;
}

/** Why the server address cannot be used, or null. */
export function baseUrlProblem(raw: string): string | null {
  const text = withScheme(raw);
  if (!text) return "Enter the server address, such as https://quay.io.";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "The address is not a URL; it must look like https://registry.example.com.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return "The address must start with https:// or http://.";
  if (!url.hostname) return "The server name is missing from the address.";
  if (url.username || url.password)
    return "Leave the user name and token out of the address.";
  if (url.search || url.hash || /[?#]/.test(text)) return "Remove the ? or # part of the address.";
  return null;
}

const PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
const PEM_END = "-----END CERTIFICATE-----";

/** A red warning for an address the token would travel to in clear text, or null. */
export function plainHttpWarning(raw: string): string | null {
  return /^\s*http:\/\//i.test(raw)
    ? "This address is plain http://: the token travels unencrypted, so anyone on the network path can read it and act as you. Use https:// unless the registry is on this machine."
    : null;
}

/** Field errors; empty when the form can be sent. */
export function validateConnection(f: ConnectionForm): ConnectionErrors {
  const errors: ConnectionErrors = {};
  if (!f.name.trim()) errors.name = "Enter a name for this connection.";
  const url = baseUrlProblem(f.baseUrl);
  if (url) errors.baseUrl = url;
  if (f.kind === "dtr" && !f.username.trim())
    errors.username = "Enter the DTR user name the token belongs to.";
  const token = f.token.trim();
  if (f.id === null && !token) errors.token = "Enter the token for this connection.";
  else if (/\s/.test(token))
    errors.token = "The token contains spaces; copy it again without surrounding text.";
  const pem = f.caPem.trim();
  if (pem && !(pem.includes(PEM_BEGIN) && pem.includes(PEM_END)))
    errors.caPem = `Paste PEM text from ${PEM_BEGIN} to ${PEM_END}, or leave it empty.`;
  return errors;
}


/** The input for `api.connectionSave`. A blank token becomes null (keep the stored one). */
export function toInput(f: ConnectionForm): ConnectionInput {
  const token = f.token.trim();
  const caPem = f.caPem.trim();
  return {
    id: f.id,
    name: f.name.trim(),
    kind: f.kind,
    baseUrl: withScheme(f.baseUrl).replace(/\/+$/, ""),
    username: f.kind === "dtr" ? f.username.trim() || null : null,
    tls: caPem
      ? { caPem, acceptInvalidCerts: f.acceptInvalidCerts }
      : { acceptInvalidCerts: f.acceptInvalidCerts },
    token: token || null,
  };
}

/** The form field a refusal from `connection_save` is about: any error naming a field the form
 *  has (a failed verification names `token`, `baseUrl` or `tls.caPem`, whatever its kind). */
export const refusedField = (e: CommandError): ConnectionField | null =>
  e.field && e.field in CONNECTION_FIELDS ? CONNECTION_FIELDS[e.field] : null;

/** A check older than this is run again, in the background, when the Connections screen opens. */
export const RECHECK_AFTER_MS = 5 * 60 * 1000;

/** Whether the screen should verify the connection again on opening. */
export const needsRecheck = (health: ConnectionHealth | undefined, now: number): boolean =>
  !health || now - health.checkedAt > RECHECK_AFTER_MS;

/** "just now", "4 min ago", "3 h ago", or the date for older checks. */
export function checkedAgo(checkedAt: number, now: number): string {
  const minutes = Math.floor((now - checkedAt) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(checkedAt).toLocaleString();
}

/** The row's badge: its words, its tone and the line under it. */
export type HealthBadge = {
  tone: "ok" | "danger" | "neutral";
  label: string;
  line: string | null;
  detail: string | null;
};

export function healthBadge(health: ConnectionHealth | undefined, now: number): HealthBadge {
  if (!health)
    return { tone: "neutral", label: "not verified yet", line: null, detail: null };
  const when = checkedAgo(health.checkedAt, now);
  const r = health.result;
  if (r.state === "verified")
    return {
      tone: "ok",
      label: "verified",
      line: `Signed in as ${r.account.account} — ${r.account.detail} (checked ${when})`,
      detail: null,
    };
  return {
    tone: "danger",
    label: "failing",
    line: `${r.reason} (checked ${when})`,
    detail: r.detail ?? null,
  };
}
