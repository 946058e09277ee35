import { describe, expect, it } from "vitest";
import type { FleetRow, SampleKind } from "../../lib/api";
import { defaultChoice, deliveryCount, sampleChoices, usesOf, useText } from "./routes";

const row = (url: string | null, event = "repo_push"): FleetRow =>
  ({
    connectionId: "c1",
    connection: "quay.io",
    registry: "quay",
    target: { namespace: "acme", repository: "web" },
    id: url ?? "none",
    title: null,
    event,
    method: "webhook",
    destination: "",
    url,
  }) as unknown as FleetRow;

const kinds: SampleKind[] = [
  { source: "quay", event: "repo_push", variants: ["redhat", "quayio"] },
  { source: "quay", event: "build_failure", variants: ["redhat", "quayio"] },
  { source: "quay", event: "quota_error", variants: [] },
  { source: "dtr", event: "TAG_PUSH", variants: [] },
];

describe("route list", () => {
  it("finds the notifications whose URL is the route's, at any base", () => {
    const rows = [
      row("http://192.168.1.5:8787/hooks/abc"),
      row("https://hooks.example.com/wharf/hooks/abc?x=1", "build_failure"),
      row("http://192.168.1.5:8787/hooks/abcd"),
      row(null),
    ];
    const uses = usesOf("abc", rows);
    expect(uses).toHaveLength(2);
    expect(useText(uses[1])).toBe("quay.io · acme/web · build_failure");
  });

  it("offers each event once per Quay variant, grouped by registry", () => {
    const groups = sampleChoices(kinds);
    expect(groups.map((g) => g.label)).toEqual(["Quay events", "DTR webhook types"]);
    expect(groups[0].choices.map((c) => c.label)).toEqual([
      "repo_push (Red Hat Quay docs)",
      "repo_push (quay.io docs)",
      "build_failure (Red Hat Quay docs)",
      "build_failure (quay.io docs)",
      "quota_error",
    ]);
    expect(groups[0].choices[1].request).toEqual({ source: "quay", event: "repo_push", variant: "quayio" });
    expect(groups[1].choices[0].request).toEqual({ source: "dtr", event: "TAG_PUSH", variant: null });
    expect(new Set(groups.flatMap((g) => g.choices.map((c) => c.value))).size).toBe(6);
  });

  it("starts on the route's own event", () => {
    const groups = sampleChoices(kinds);
    expect(defaultChoice(groups, "quay", "build_failure")).toBe("quay:build_failure:redhat");
    expect(defaultChoice(groups, "dtr", "tag_push")).toBe("dtr:TAG_PUSH:");
    expect(defaultChoice(groups, null, null)).toBe("quay:repo_push:redhat");
    expect(defaultChoice([], null, null)).toBe("");
  });

  it("counts deliveries in words", () => {
    expect(deliveryCount(0)).toBe("No deliveries yet");
    expect(deliveryCount(1)).toBe("1 delivery");
    expect(deliveryCount(1204)).toBe("1,204 deliveries");
  });
});
