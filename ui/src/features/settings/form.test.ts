import { describe, expect, it } from "vitest";
import type { Settings } from "../../lib/api";
import {
  fieldOfError,
  formFromSettings,
  isIpAddress,
  isLoopback,
  publicUrlProblem,
  listenNote,
  overrideNote,
  toSettings,
  validateSettings,
  type SettingsForm,
} from "./form";

const settings = (over: Partial<Settings> = {}): Settings => ({
  receiverBind: "127.0.0.1",
  receiverPort: 8787,
  publicBaseUrl: null,
  bodyLimitMib: 10,
  retentionMaxCount: 100000,
  retentionMaxDays: 30,
  retentionMaxMib: 1024,
  toastRules: { default: "on", perEvent: { repo_push: "off" }, perRepository: { "acme/app": "failuresAndVulnerabilities" } },
  theme: "system",
  fleetRescanMinutes: 0,
  ...over,
});

const form = (over: Partial<SettingsForm> = {}): SettingsForm => ({ ...formFromSettings(settings()), ...over });

describe("the background re-scan interval", () => {
  it("is whole minutes up to a day, 0 or empty for off", () => {
    expect(validateSettings(form({ rescanMinutes: "15" }))).toEqual({});
    expect(toSettings(form({ rescanMinutes: " " })).fleetRescanMinutes).toBe(0);
    for (const bad of ["1441", "-1", "1.5", "often"]) {
      expect(Object.keys(validateSettings(form({ rescanMinutes: bad }))), bad).toEqual(["rescanMinutes"]);
    }
    expect(fieldOfError({ kind: "invalid", message: "x", field: "fleetRescanMinutes" })).toBe("rescanMinutes");
  });
});

describe("formFromSettings / toSettings", () => {
  it("round-trips the saved settings", () => {
    expect(toSettings(formFromSettings(settings()))).toEqual(settings());
    const none = settings({ retentionMaxCount: null, retentionMaxDays: null, publicBaseUrl: "https://x.example" });
    expect(toSettings(formFromSettings(none))).toEqual(none);
  });

  it("shows empty retention as blank fields and saves blanks as no limit", () => {
    const f = formFromSettings(settings({ retentionMaxCount: null }));
    expect(f.retentionCount).toBe("");
    expect(toSettings({ ...f, retentionDays: "  " }).retentionMaxDays).toBeNull();
  });

  it("trims values and turns a blank public URL into none", () => {
    const s = toSettings(form({ bind: " 192.168.1.20 ", port: " 9000", publicBaseUrl: "   " }));
    expect(s).toMatchObject({ receiverBind: "192.168.1.20", receiverPort: 9000, publicBaseUrl: null });
  });

  it("turns rule rows into maps", () => {
    const s = toSettings(form({ perEvent: [{ key: " TAG_PUSH ", mode: "off" }], perRepository: [] }));
    expect(s.toastRules).toEqual({ default: "on", perEvent: { TAG_PUSH: "off" }, perRepository: {} });
  });
});

describe("validateSettings", () => {
  it("accepts the defaults", () => {
    expect(validateSettings(form())).toEqual({});
  });

  it.each([
    [{ bind: "my-laptop" }, "bind", "IP address"],
    [{ bind: "" }, "bind", "IP address"],
    [{ port: "0" }, "port", "1 to 65535"],
    [{ port: "65536" }, "port", "1 to 65535"],
    [{ port: "80a" }, "port", "1 to 65535"],
    [{ publicBaseUrl: "hooks.example.com" }, "publicBaseUrl", "http://"],
    [{ publicBaseUrl: "https://" }, "publicBaseUrl", "http://"],
    [{ publicBaseUrl: "https:///path" }, "publicBaseUrl", "host"],
    [{ bodyLimitMib: "0" }, "bodyLimitMib", "between 1 and 512"],
    [{ bodyLimitMib: "513" }, "bodyLimitMib", "between 1 and 512"],
    [{ bodyLimitMib: "1.5" }, "bodyLimitMib", "between 1 and 512"],
    [{ retentionCount: "0" }, "retentionCount", "at least 1"],
    [{ retentionDays: "-3" }, "retentionDays", "at least 1"],
    [{ retentionDays: "5000000000" }, "retentionDays", "At most"],
  ] as [Partial<SettingsForm>, string, string][])("%j is refused", (over, field, says) => {
    const errors = validateSettings(form(over)) as Record<string, string>;
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toContain(says);
  });

  it("accepts the limits themselves and empty retention", () => {
    expect(validateSettings(form({ bodyLimitMib: "1", port: "1", retentionCount: "", retentionDays: "" }))).toEqual({});
    expect(validateSettings(form({ bodyLimitMib: "512", port: "65535", retentionDays: "1" }))).toEqual({});
    expect(validateSettings(form({ publicBaseUrl: "http://abc.trycloudflare.com/wharf" }))).toEqual({});
  });

  it("asks for rule keys and refuses two rules for one key", () => {
    expect(validateSettings(form({ perEvent: [{ key: " ", mode: "on" }] })).perEvent).toContain("Rule 1");
    expect(
      validateSettings(form({ perEvent: [{ key: "repo_push", mode: "on" }, { key: "REPO_PUSH", mode: "off" }] })).perEvent,
    ).toContain("two rules");
    // Repositories match exactly: different case is a different repository.
    expect(
      validateSettings(form({ perRepository: [{ key: "a/b", mode: "on" }, { key: "A/b", mode: "off" }] })),
    ).toEqual({});
    expect(Object.keys(validateSettings(form({ perRepository: [{ key: "a/b", mode: "on" }, { key: "a/b", mode: "off" }] }))).length > 0).toBe(true);
  });
});

describe("isIpAddress", () => {
  it.each(["127.0.0.1", "0.0.0.0", "192.168.1.20", "255.255.255.255", "::", "::1", "fe80::1", "1::", "2001:db8:0:0:0:0:0:1", "::ffff:192.0.2.1", "1:2:3:4:5:6:1.2.3.4"])(
    "accepts %s",
    (ip) => expect(isIpAddress(ip)).toBe(true),
  );

  it.each(["localhost", "256.0.0.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", ":::", "1::2::3", "[::1]", "fe80::1%eth0", "12345::", ":1", "1.2.3.4:80"])(
    "refuses %s",
    (ip) => expect(isIpAddress(ip)).toBe(false),
  );

  it("knows loopback addresses", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("192.168.1.20")).toBe(false);
  });
});

describe("publicUrlProblem", () => {
  it("allows blank (none)", () => {
    expect(publicUrlProblem("  ")).toBeNull();
  });
});

describe("fieldOfError", () => {
  it("maps the Settings field a Rust validation error names to its form field", () => {
    const invalid = (field: string) => ({ kind: "invalid" as const, message: "The body limit must be between 1 and 512 MiB.", field });
    expect(fieldOfError(invalid("receiverBind"))).toBe("bind");
    expect(fieldOfError(invalid("publicBaseUrl"))).toBe("publicBaseUrl");
    expect(fieldOfError(invalid("bodyLimitMib"))).toBe("bodyLimitMib");
    expect(fieldOfError(invalid("retentionMaxCount"))).toBe("retentionCount");
    expect(fieldOfError(invalid("retentionMaxDays"))).toBe("retentionDays");
  });

  it("does not guess from the wording", () => {
    expect(fieldOfError({ kind: "invalid", message: "The body limit must be between 1 and 512 MiB." })).toBeNull();
    expect(fieldOfError({ kind: "storage", message: "Could not save settings.json", field: "receiverBind" })).toBeNull();
    expect(fieldOfError({ kind: "invalid", message: "Something else", field: "noSuchField" })).toBeNull();
  });
});

describe("listenNote", () => {
  it("says why the receiver could not move", () => {
    expect(listenNote("cannot listen on 192.168.1.20:9000: Address in use")).toBe(
      "The other settings are saved, but the receiver could not move (cannot listen on 192.168.1.20:9000: Address in use); it keeps listening where it was, if it could, and its address in the settings is still that one",
    );
  });
});

describe("overrideNote", () => {
  it("names the variable that decides a field this run", () => {
    const overrides = [{ field: "receiverPort", variable: "WHARF_RECEIVER_PORT", value: "0" }];
    expect(overrideNote(overrides, "receiverPort")).toBe(
      "WHARF_RECEIVER_PORT=0 decides this for this run; the value here is saved and applies when WHARF_RECEIVER_PORT is unset.",
    );
    expect(overrideNote(overrides, "receiverBind")).toBeNull();
    expect(overrideNote([], "receiverPort")).toBeNull();
  });
});
