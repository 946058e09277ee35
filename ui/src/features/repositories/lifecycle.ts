// The repository lifecycle's rules as the registries apply them, for inline feedback before a
// round trip (Rust checks again and has the last word), and the words the panel shows.
import type { ConnectionKind, DeleteImpact, Repository, RepositoryDetail } from "../../lib/api";

/** DTR's short description limit, in bytes of UTF-8 (DTR measures with Go's `len`). */
export const MAX_SHORT_DESCRIPTION = 140;

/** What the registry would refuse in a new repository's name, or null when it fits. */
export function nameProblem(kind: ConnectionKind, namespace: string, name: string): string | null {
  if (name === "") return "Enter a name.";
  if (namespace.length + 1 + name.length > 255)
    return "Namespace and name together must stay within 255 characters.";
  if (kind === "dtr") {
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name))
      return 'Use lower-case letters and digits, with single ".", "_" or "-" between them (no "/").';
    return null;
  }
  for (const part of name.split("/")) {
    if (part === "") return 'A name cannot start or end with "/" or contain "//".';
    if (!/^[a-z0-9]/.test(part)) return "Each part must start with a lower-case letter or a digit.";
    if (!/^[a-z0-9._-]*$/.test(part)) return 'Use lower-case letters, digits, ".", "-" and "_" only.';
  }
  return null;
}

/** The short description's problem on DTR (Quay's description has no limit). */
export function descriptionProblem(kind: ConnectionKind, text: string): string | null {
  const bytes = new TextEncoder().encode(text).length;
  return kind === "dtr" && bytes > MAX_SHORT_DESCRIPTION
    ? `${bytes} bytes; DTR allows ${MAX_SHORT_DESCRIPTION} (a letter such as é takes two). Put the rest in the long description.`
    : null;
}

/** The list row for a repository just created or changed. */
export const asListed = (r: RepositoryDetail, lastModified: number | null = null): Repository => ({
  namespace: r.namespace,
  name: r.name,
  isPublic: r.isPublic,
  lastModified,
  description: r.description,
});

/** What deleting takes with it, in one sentence. */
export function impactText(kind: ConnectionKind, impact: DeleteImpact): string {
  const tags = impact.moreTags
    ? `${impact.tags} or more tags`
    : `${impact.tags} ${impact.tags === 1 ? "tag" : "tags"}`;
  const what = kind === "quay" ? "notification" : "webhook";
  const hooks = `${impact.notifications} ${impact.notifications === 1 ? what : `${what}s`}`;
  return `Deleting removes ${tags} and ${hooks} with the repository. This cannot be undone.`;
}

/** Whether the typed confirmation names the repository. */
export const confirmsDeletion = (typed: string, name: string): boolean => typed.trim() === name;

/** Bytes as people read them. */
export function sizeText(bytes: number | null): string {
  if (bytes === null) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `sha256:` and 12 hex digits. */
export const shortDigest = (digest: string | null): string =>
  digest ? digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, "$1") : "—";
