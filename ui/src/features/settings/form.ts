// The Settings form's values, checks and the Settings it saves. The checks mirror
// `Settings::validate` on the Rust side (bind address an IP, public base URL http(s) with a
// host, body limit 1..512 MiB, retention limits at least 1 or empty) so mistakes show before a
// round trip; the Rust side checks again.
import type { CommandError, RuleMode, Settings, SettingsField as SavedField, Theme } from "../../lib/api";

export const MODES: { value: RuleMode; label: string }[] = [
  { value: "on", label: "On" },
  { value: "off", label: "Off" },
  { value: "failuresAndVulnerabilities", label: "Only failures and vulnerabilities" },
];

export const THEMES: { value: Theme; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export type RuleRow = { key: string; mode: RuleMode };

/** What the form holds: numbers as typed, rules as editable rows. */
export type SettingsForm = {
  bind: string;
  port: string;
  publicBaseUrl: string;
  bodyLimitMib: string;
  retentionCount: string;
  retentionDays: string;
  /** The database's size budget in MiB; "" for none. */
  retentionMib: string;
  /** Minutes between background re-scans of every notification; "0" is off. */
  rescanMinutes: string;
  toastDefault: RuleMode;
  perEvent: RuleRow[];
  perRepository: RuleRow[];
  theme: Theme;
};

export type SettingsField =
  | "bind"
  | "port"
  | "publicBaseUrl"
  | "bodyLimitMib"
  | "retentionCount"
  | "retentionDays"
  | "retentionMib"
  | "rescanMinutes"
  | "perEvent"
  | "perRepository";
export type SettingsErrors = Partial<Record<SettingsField, string>>;

const rows = (m: { [key in string]: RuleMode }): RuleRow[] =>
  Object.entries(m).map(([key, mode]) => ({ key, mode }));

export function formFromSettings(s: Settings): SettingsForm {
  return {
    bind: s.receiverBind,
    port: String(s.receiverPort),
    publicBaseUrl: s.publicBaseUrl ?? "",
    bodyLimitMib: String(s.bodyLimitMib),
    retentionCount: s.retentionMaxCount === null ? "" : String(s.retentionMaxCount),
    retentionDays: s.retentionMaxDays === null ? "" : String(s.retentionMaxDays),
    retentionMib: s.retentionMaxMib === null ? "" : String(s.retentionMaxMib),
    rescanMinutes: String(s.fleetRescanMinutes),
    toastDefault: s.toastRules.default,
    perEvent: rows(s.toastRules.perEvent),
    perRepository: rows(s.toastRules.perRepository),
    theme: s.theme,
  };
}

const IPV4_PART = /^(?:0|[1-9]\d{0,2})$/;

/** An IPv4 address as Rust's `Ipv4Addr` parses it: four decimal parts, no leading zeros. */
export function isIpv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => IPV4_PART.test(p) && Number(p) <= 255);
}

const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** An IPv6 address as Rust's `Ipv6Addr` parses it (no brackets, no zone). */
export function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const lastColon = s.lastIndexOf(":");
  if (lastColon < 0) return false;
  let body = s;
  let groups = 8;
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIpv4(tail)) return false;
    groups = 6;
    body = s.slice(0, lastColon + 1);
    if (!body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  const split = (p: string) => (p === "" ? [] : p.split(":"));
  if (halves.length > 2) return false;
  if (halves.length === 2) {
    const all = [...split(halves[0]), ...split(halves[1])];
    // "::" stands for at least one group.
    return all.every((g) => GROUP.test(g)) && all.length < groups;
  }
  const all = split(body);
  return all.length === groups && all.every((g) => GROUP.test(g));
}

export const isIpAddress = (s: string): boolean => isIpv4(s) || isIpv6(s);

/** A loopback bind address: only this machine can reach the receiver. */
export const isLoopback = (bind: string): boolean => {
  const b = bind.trim();
  return b === "::1" || (isIpv4(b) && b.startsWith("127."));
};

/** Why the public base URL cannot be used, or null. Blank means "none". */
export function publicUrlProblem(raw: string): string | null {
  const url = raw.trim();
  if (!url) return null;
  const rest = url.startsWith("http://")
    ? url.slice(7)
    : url.startsWith("https://")
      ? url.slice(8)
      : null;
  if (rest === null || rest === "" || rest.startsWith("/"))
    return "The public base URL must start with http:// or https:// and name a host.";
  return null;
}

const wholeNumber = (s: string): number | null => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : null);

function ruleProblem(rules: RuleRow[], what: string, sameKey: (a: string, b: string) => boolean): string | null {
  const keys = rules.map((r) => r.key.trim());
  const blank = keys.findIndex((k) => !k);
  if (blank >= 0) return `Rule ${blank + 1}: enter the ${what}, or remove the rule.`;
  for (let i = 0; i < keys.length; i++) {
    for (let j = 0; j < i; j++) {
      if (sameKey(keys[i], keys[j])) return `${keys[i]} has two rules; keep one.`;
    }
  }
  return null;
}

/** Event names match ignoring ASCII case on the Rust side. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const asciiEq = (a: string, b: string) => asciiLower(a) === asciiLower(b);

/** Field errors; empty when the form can be saved. */
export function validateSettings(f: SettingsForm): SettingsErrors {
  const errors: SettingsErrors = {};
  if (!isIpAddress(f.bind.trim()))
    errors.bind = "The bind address must be an IP address, such as 127.0.0.1 or 192.168.1.20.";
  const port = wholeNumber(f.port);
  if (port === null || port < 1 || port > 65535) errors.port = "The port must be a number from 1 to 65535.";
  const url = publicUrlProblem(f.publicBaseUrl);
  if (url) errors.publicBaseUrl = url;
  const limit = wholeNumber(f.bodyLimitMib);
  if (limit === null || limit < 1 || limit > 512)
    errors.bodyLimitMib = "The body limit must be between 1 and 512 MiB.";
  const retention = (raw: string, max: number): string | undefined => {
    if (!raw.trim()) return undefined;
    const n = wholeNumber(raw);
    if (n === null || n < 1) return "Retention limits must be at least 1 (leave a limit empty for none).";
    if (n > max) return `At most ${max.toLocaleString("en-US")}.`;
    return undefined;
  };
  const count = retention(f.retentionCount, Number.MAX_SAFE_INTEGER);
  if (count) errors.retentionCount = count;
  const days = retention(f.retentionDays, 4_294_967_295);
  if (days) errors.retentionDays = days;
  const mib = retention(f.retentionMib, 4_294_967_295);
  if (mib) errors.retentionMib = mib;
  const rescan = f.rescanMinutes.trim() || "0";
  if (!/^\d+$/.test(rescan) || Number(rescan) > 1440)
    errors.rescanMinutes = "The re-scan interval must be a whole number of minutes up to 1440; 0 turns it off.";
  const ev = ruleProblem(f.perEvent, "event name", asciiEq);
  if (ev) errors.perEvent = ev;
  const repo = ruleProblem(f.perRepository, "repository (namespace/name)", (a, b) => a === b);
  if (repo) errors.perRepository = repo;
  return errors;
}


const optionalNumber = (s: string): number | null => (s.trim() ? Number(s.trim()) : null);

/** The Settings to save. Call after `validateSettings` found nothing. */
export function toSettings(f: SettingsForm): Settings {
  const map = (rules: RuleRow[]) => Object.fromEntries(rules.map((r) => [r.key.trim(), r.mode]));
  return {
    receiverBind: f.bind.trim(),
    receiverPort: Number(f.port.trim()),
    publicBaseUrl: f.publicBaseUrl.trim() ? f.publicBaseUrl.trim() : null,
    bodyLimitMib: Number(f.bodyLimitMib.trim()),
    retentionMaxCount: optionalNumber(f.retentionCount),
    retentionMaxDays: optionalNumber(f.retentionDays),
    retentionMaxMib: optionalNumber(f.retentionMib),
    fleetRescanMinutes: Number(f.rescanMinutes.trim() || "0"),
    toastRules: { default: f.toastDefault, perEvent: map(f.perEvent), perRepository: map(f.perRepository) },
    theme: f.theme,
  };
}

/** The form field for each Settings field the Rust side can name in an `invalid` error. */
const FORM_FIELD: Record<SavedField, SettingsField> = {
  receiverBind: "bind",
  publicBaseUrl: "publicBaseUrl",
  bodyLimitMib: "bodyLimitMib",
  retentionMaxCount: "retentionCount",
  retentionMaxDays: "retentionDays",
  retentionMaxMib: "retentionMib",
  fleetRescanMinutes: "rescanMinutes",
};

/** The form field a save error from the Rust side is about, if it names one. */
export function fieldOfError(e: CommandError): SettingsField | null {
  if (e.kind !== "invalid" || !e.field) return null;
  return e.field in FORM_FIELD ? FORM_FIELD[e.field as SavedField] : null;
}

/** The warning shown when a save could not move the receiver to the saved address. */
/** What the environment decides instead of `field` for this run, in words, or null. */
export function overrideNote(
  overrides: { field: string; variable: string; value: string }[],
  field: string,
): string | null {
  const o = overrides.find((x) => x.field === field);
  return o
    ? `${o.variable}=${o.value} decides this for this run; the value here is saved and applies when ${o.variable} is unset.`
    : null;
}

export const listenNote = (why: string): string =>
  `The other settings are saved, but the receiver could not move (${why}); it keeps listening where it was, if it could, and its address in the settings is still that one`;
