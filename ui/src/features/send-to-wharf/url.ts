// The URL checks both registries make on a delivery endpoint, mirrored from the Rust
// validators so a mistake shows while typing. Messages never quote the URL (it may hold a secret).

/** Whether `url` starts with http:// (any case). */
export const isHttp = (url: string): boolean => /^http:\/\//i.test(url.trim());

/** Quay compares the host with exactly these two names. */
export function isQuayRefusedHost(host: string): boolean {
  const h = host.replace(/\.+$/, "").toLowerCase();
  return h === "localhost" || h === "127.0.0.1";
}

export const QUAY_LOOPBACK =
  "Quay refuses webhook URLs on localhost and 127.0.0.1 (it delivers from its own server, so they would point at the Quay server, not at this computer). Use an address the Quay server can reach, such as this computer's network address or a tunnel.";

/** The host and port of an http(s) URL, or a reason it has none. */
function hostOf(url: string): { host: string; port: string | null } | { problem: string } {
  const rest = url.replace(/^https?:\/\//i, "");
  const authority = rest.split(/[/?#]/)[0] ?? "";
  const at = authority.lastIndexOf("@");
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) return { problem: "the IPv6 address is malformed" };
    const after = hostPort.slice(close + 1);
    if (after && !after.startsWith(":")) return { problem: "the IPv6 address is malformed" };
    return { host: hostPort.slice(1, close), port: after ? after.slice(1) : null };
  }
  const colon = hostPort.indexOf(":");
  return colon < 0
    ? { host: hostPort, port: null }
    : { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

/**
 * Why `raw` cannot be a delivery URL, or null. `label` names it in the message ("webhook",
 * "Slack webhook", "endpoint"); `quay` adds Quay's refusal of localhost and 127.0.0.1.
 */
export function deliveryUrlProblem(raw: string, label: string, quay: boolean): string | null {
  const url = raw.trim();
  if (!url) return `Enter the ${label} URL.`;
  const invalid = (reason: string) =>
    `The ${label} URL must be a full http:// or https:// address, such as https://hooks.example.com/hook: ${reason}.`;
  if (!/^https?:\/\//i.test(url)) return invalid("it must start with https:// or http://");
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return invalid("it contains spaces or control characters");
  const hp = hostOf(url);
  if ("problem" in hp) return invalid(hp.problem);
  if (!hp.host) return invalid("the server name is missing");
  if (hp.port !== null) {
    const port = /^\d+$/.test(hp.port) ? Number(hp.port) : NaN;
    if (!(port >= 1 && port <= 65535)) return invalid("the port must be a number from 1 to 65535");
  }
  if (quay && isQuayRefusedHost(hp.host)) return QUAY_LOOPBACK;
  return null;
}

