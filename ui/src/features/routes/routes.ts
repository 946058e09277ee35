// The route list's plain logic: which notifications use a route (from the Overview's last
// scan), the sample choices (from Rust's catalog of samples) and how a route is named.
import type { FleetRow, QuayVariant, SampleKind, SampleRequest, Source } from "../../lib/api";
import { routeToken } from "../send-to-wharf/wait";

/** The notifications and webhooks of the last scan whose URL is this route's. */
export const usesOf = (token: string, rows: FleetRow[]): FleetRow[] =>
  rows.filter((r) => routeToken(r.url) === token);

/** Where one use is: "quay.io · acme/web · build_failure". */
export const useText = (r: FleetRow): string => {
  const target = r.target.repository ? `${r.target.namespace}/${r.target.repository}` : r.target.namespace;
  return `${r.connection} · ${target} · ${r.event}`;
};

const VARIANT_LABEL: Record<QuayVariant, string> = {
  redhat: "Red Hat Quay docs",
  quayio: "quay.io docs",
};

export type SampleChoice = { value: string; label: string; request: SampleRequest };

/** One choice per event and Quay variant, grouped by registry in the catalog's order. */
export function sampleChoices(kinds: SampleKind[]): { source: Source; label: string; choices: SampleChoice[] }[] {
  const groups: { source: Source; label: string; choices: SampleChoice[] }[] = [];
  for (const k of kinds) {
    let group = groups.find((g) => g.source === k.source);
    if (!group) {
      group = { source: k.source, label: k.source === "quay" ? "Quay events" : "DTR webhook types", choices: [] };
      groups.push(group);
    }
    const variants: (QuayVariant | null)[] = k.variants.length ? k.variants : [null];
    for (const variant of variants) {
      group.choices.push({
        value: [k.source, k.event, variant ?? ""].join(":"),
        label: variant ? `${k.event} (${VARIANT_LABEL[variant]})` : k.event,
        request: { source: k.source, event: k.event, variant },
      });
    }
  }
  return groups;
}

/** The choice a route starts with: its own event when it was made for one, else the first. */
export function defaultChoice(
  groups: { choices: SampleChoice[] }[],
  source: Source | null,
  event: string | null,
): string {
  const all = groups.flatMap((g) => g.choices);
  const own = all.find((c) => c.request.source === source && c.request.event.toLowerCase() === event?.toLowerCase());
  return (own ?? all[0])?.value ?? "";
}

/** "No deliveries yet", "1 delivery", "1,204 deliveries". */
export const deliveryCount = (n: number): string =>
  n === 0 ? "No deliveries yet" : `${n.toLocaleString("en-US")} ${n === 1 ? "delivery" : "deliveries"}`;
