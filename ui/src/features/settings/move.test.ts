import { describe, expect, it } from "vitest";
import type { FleetRow, RouteCheck, Settings } from "../../lib/api";
import { movesReceiver, urlsOf, usingReceiver } from "./move";

const settings = (over: Partial<Settings> = {}): Settings => ({
  receiverBind: "192.0.2.2",
  receiverPort: 47840,
  publicBaseUrl: null,
  bodyLimitMib: 10,
  retentionMaxCount: 100000,
  retentionMaxDays: 30,
  retentionMaxMib: 1024,
  toastRules: { default: "on", perEvent: {}, perRepository: {} },
  theme: "system",
  fleetRescanMinutes: 0,
  ...over,
});

const row = (id: string, url: string | null): FleetRow => ({
  connectionId: "c1",
  connection: "Quay",
  registry: "quay",
  target: { namespace: "acme", repository: "web" },
  id,
  title: null,
  event: "repo_push",
  method: url ? "webhook" : "slack",
  destination: "",
  url,
  failures: 0,
  state: "ok",
  lastSuccess: null,
});

describe("moving the receiver", () => {
  it("is asked about only when the address registries send to changes", () => {
    const saved = settings();
    expect(movesReceiver(saved, settings({ receiverPort: 47842 }), [])).toBe(true);
    expect(movesReceiver(saved, settings({ receiverBind: "192.0.2.3" }), [])).toBe(true);
    expect(movesReceiver(saved, settings({ publicBaseUrl: "https://hooks.example" }), [])).toBe(true);
    expect(movesReceiver(saved, settings({ bodyLimitMib: 20, theme: "dark" }), [])).toBe(false);
    // The environment decides the port this run: changing the file's port moves nothing.
    const env = [{ field: "receiverPort", variable: "WHARF_RECEIVER_PORT", value: "47840" }];
    expect(movesReceiver(saved, settings({ receiverPort: 47842 }), env)).toBe(false);
  });

  it("lists the rows whose URL is a route of this inbox, current or already stale", () => {
    const rows = [
      row("a", "http://192.0.2.2:47840/hooks/tokA"),
      row("slack", null),
      row("b", "https://ci.example/hook"),
      row("c", "http://192.0.2.2:47700/hooks/tokC"),
      row("d", "http://192.0.2.2:47840/hooks/gone"),
    ];
    expect(urlsOf(rows)).toEqual([
      "http://192.0.2.2:47840/hooks/tokA",
      "https://ci.example/hook",
      "http://192.0.2.2:47700/hooks/tokC",
      "http://192.0.2.2:47840/hooks/gone",
    ]);
    const checks: RouteCheck[] = [
      { kind: "current", label: "web", response: { status: 200, body: null, delayMs: 0 } },
      { kind: "not_a_route" },
      { kind: "moved", now: "http://192.0.2.2:47840/hooks/tokC" },
      { kind: "unknown" },
    ];
    expect(usingReceiver(rows, checks).map((u) => [u.row.id, u.stale])).toEqual([
      ["a", false],
      ["c", true],
    ]);
  });
});
