import { describe, expect, it } from "vitest";
import type { FleetRow } from "../../lib/api";
import {
  NO_FILTERS,
  afterAction,
  ageText,
  applicable,
  countByState,
  describeAction,
  hostOf,
  itemsByConnection,
  matches,
  pickTargets,
  rowKey,
  sortRows,
  targetLabel,
} from "./overview";

function row(over: Partial<FleetRow>): FleetRow {
  return {
    connectionId: "c1",
    connection: "quay prod",
    registry: "quay",
    target: { namespace: "acme", repository: "web" },
    id: "n1",
    title: null,
    event: "repo_push",
    method: "webhook",
    destination: "Webhook → ci.example/h",
    url: "https://ci.example/h",
    failures: 0,
    state: "ok",
    lastSuccess: null,
    ...over,
  };
}

const rows = [
  row({}),
  row({ id: "n2", state: "disabled", failures: 3, event: "build_failure", target: { namespace: "acme", repository: "api" } }),
  row({ id: "n3", state: "failing", failures: 1, url: "http://10.0.0.5:8787/hooks/t", destination: "Webhook → 10.0.0.5:8787/hooks/t" }),
  row({
    id: "d1",
    connectionId: "c2",
    connection: "dtr",
    registry: "dtr",
    state: "inactive",
    failures: null,
    event: "TAG_PUSH",
    target: { namespace: "payments" },
  }),
  row({ id: "n4", method: "slack", url: null, destination: "Slack (hooks.slack.com)" }),
];

describe("overview", () => {
  it("filters by state, event, method, host, namespace and words", () => {
    const ids = (f: Partial<typeof NO_FILTERS>) =>
      rows.filter((r) => matches(r, { ...NO_FILTERS, ...f })).map((r) => r.id);
    expect(ids({})).toEqual(["n1", "n2", "n3", "d1", "n4"]);
    expect(ids({ states: ["disabled", "failing"] })).toEqual(["n2", "n3"]);
    expect(ids({ event: "build_failure" })).toEqual(["n2"]);
    expect(ids({ method: "slack" })).toEqual(["n4"]);
    expect(ids({ host: "10.0.0" })).toEqual(["n3"]);
    expect(ids({ namespace: "payments" })).toEqual(["d1"]);
    expect(ids({ text: "acme/api build" })).toEqual(["n2"]);
    expect(hostOf(rows[2])).toBe("10.0.0.5:8787");
    expect(hostOf(rows[4])).toBe("");
  });

  it("sorts worst state first and keeps ties stable", () => {
    expect(sortRows(rows, "state").map((r) => r.id)).toEqual(["n2", "n3", "d1", "n1", "n4"]);
    expect(sortRows(rows, "failures", true)[0].id).toBe("n2");
    expect(countByState(rows)).toEqual({ ok: 2, failing: 1, disabled: 1, inactive: 1 });
  });

  it("offers each action only where the registry has it and says what is left out", () => {
    expect(applicable("reset", rows).map((r) => r.id)).toEqual(["n1", "n2", "n3", "n4"]);
    expect(applicable("activate", rows).map((r) => r.id)).toEqual(["d1"]);
    expect(applicable("deactivate", rows)).toEqual([]);
    const d = describeAction("reset", [rows[1], rows[3]]);
    expect(d.skipped).toBe(1);
    expect(d.lines).toEqual([
      "reset the failure count of (re-enabling it in Quay) build_failure → Webhook → ci.example/h on acme/api (quay prod)",
    ]);
    const groups = itemsByConnection(rows);
    expect([...groups.keys()]).toEqual(["c1", "c2"]);
    expect(groups.get("c2")).toEqual([{ target: { namespace: "payments" }, id: "d1" }]);
    expect(targetLabel({ namespace: "payments" })).toBe("payments (namespace)");
  });

  it("applies results to the rows: deleted go, reset are OK, failures stay", () => {
    const ok = (id: string, repository = "web") => ({
      item: { target: { namespace: "acme", repository }, id },
      ok: true,
      message: "",
    });
    const reset = afterAction(rows, "c1", "reset", [ok("n2", "api"), { ...ok("n3"), ok: false }]);
    expect(reset.find((r) => r.id === "n2")).toMatchObject({ state: "ok", failures: 0 });
    expect(reset.find((r) => r.id === "n3")?.state).toBe("failing");
    const deleted = afterAction(rows, "c1", "delete", [ok("n1")]);
    expect(deleted.map((r) => r.id)).toEqual(["n2", "n3", "d1", "n4"]);
    // The same id on another connection is not touched.
    expect(afterAction(rows, "c2", "delete", [ok("n1")])).toHaveLength(5);
    expect(rowKey(rows[0])).not.toBe(rowKey({ ...rows[0], connectionId: "c2" }));
  });

  it("picks repositories by words or by a regular expression", () => {
    const targets = [
      { namespace: "acme", repository: "api-gw" },
      { namespace: "acme", repository: "web" },
      { namespace: "beta", repository: "api-x" },
      { namespace: "acme" },
    ];
    const names = (ns: string, f: string) =>
      pickTargets(targets, ns, f).targets.map((t) => targetLabel(t));
    expect(names("", "")).toEqual(["acme/api-gw", "acme/web", "beta/api-x"]);
    expect(names("acme", "api")).toEqual(["acme/api-gw"]);
    expect(names("", "/^beta\\/api-/")).toEqual(["beta/api-x"]);
    expect(pickTargets(targets, "", "/(/").error).toMatch(/regular expression/);
  });

  it("says how old a scan is", () => {
    expect(ageText(0, 10_000)).toBe("just now");
    expect(ageText(0, 180_000)).toBe("3 min ago");
    expect(ageText(0, 2 * 3600_000)).toBe("2 h ago");
  });
});
