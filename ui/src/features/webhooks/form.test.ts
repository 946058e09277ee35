import { describe, expect, it } from "vitest";
import type { DtrWebhook } from "../../lib/api";
import registryBindings from "../../lib/bindings/registry.ts?raw";
import { declaration } from "../../test/bindings";

const typeBinding = declaration(registryBindings, "DtrWebhookType");
import {
  HTTP_NEEDS_SKIP,
  PAUSED_TEST_NOTE,
  SKIP_TLS_LABEL,
  WEBHOOK_TYPES,
  deliveryText,
  otherLevelsHint,
  typesAt,
  buildDraft,
  emptyWebhookForm,
  scopeKey,
  scopeOf,
  testDraftOf,
  tlsCertProblem,
  toggleUpdate,
  validateWebhook,
  type WebhookForm,
  type WebhookScope,
} from "./form";

const repoScope: WebhookScope = { kind: "repository", namespace: "acme", repository: "web" };
const nsScope: WebhookScope = { kind: "namespace", namespace: "acme" };
const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";

const form = (over: Partial<WebhookForm> = {}): WebhookForm => ({
  ...emptyWebhookForm(repoScope),
  endpoint: "https://hooks.example.com/dtr",
  ...over,
});

describe("WEBHOOK_TYPES", () => {
  it("lists every type named in the binding, once", () => {
    const inBinding = [...typeBinding.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]).sort();
    const ours = WEBHOOK_TYPES.map((t) => t.value).sort();
    expect(ours).toEqual(inBinding);
    expect(new Set(ours).size).toBe(ours.length);
  });

  it("knows the scope of each type", () => {
    expect(scopeOf("TAG_PUSH")).toBe("repository");
    expect(scopeOf("REPO_EVENT")).toBe("namespace");
    expect(scopeOf("SCANNER_UPDATE_COMPLETED")).toBe("global");
    expect(scopeOf("CHART_PUSH")).toBe("repository");
    expect(scopeOf("SOMETHING_NEW")).toBeNull();
  });
});

describe("typesAt", () => {
  it("offers a repository only the types DTR accepts on a repository", () => {
    const types = typesAt("repository").map((t) => t.value);
    expect(types).toContain("TAG_PUSH");
    expect(types).toContain("SCAN_COMPLETED");
    expect(types).not.toContain("REPO_EVENT");
    expect(types).not.toContain("SCANNER_UPDATE_COMPLETED");
    for (const t of types) expect(validateWebhook(form({ type: t }), repoScope).type).toBeUndefined();
  });

  it("offers a namespace only its own types", () => {
    expect(typesAt("namespace").map((t) => t.value)).toEqual(["REPO_EVENT"]);
    expect(typesAt("global").map((t) => t.value)).toEqual(["SCANNER_UPDATE_COMPLETED"]);
  });

  it("splits the catalog without losing a type", () => {
    const all = [...typesAt("repository"), ...typesAt("namespace"), ...typesAt("global")];
    expect(all.map((t) => t.value).sort()).toEqual(WEBHOOK_TYPES.map((t) => t.value).sort());
  });

  it("says where the other levels' types are added", () => {
    expect(otherLevelsHint("repository")).toContain("REPO_EVENT");
    expect(otherLevelsHint("repository")).toContain("namespace's Webhooks view");
    expect(otherLevelsHint("namespace")).toMatch(/from that repository/);
  });
});

describe("deliveryText", () => {
  const date = (s: string) => `<${s}>`;
  it("names the last real delivery", () => {
    expect(deliveryText("2026-01-02T03:04:05Z", false, date)).toBe("last event delivered <2026-01-02T03:04:05Z>");
    expect(deliveryText("2026-01-02T03:04:05Z", true, date)).toBe("last event delivered <2026-01-02T03:04:05Z>");
  });

  it("never says 'never delivered' beside a test that arrived", () => {
    expect(deliveryText(null, false, date)).toBe("no event delivered yet");
    const afterTest = deliveryText(null, true, date);
    expect(afterTest).not.toMatch(/never/);
    expect(afterTest).toMatch(/does not count tests/);
  });

  it("tells a paused webhook's test from real events", () => {
    expect(PAUSED_TEST_NOTE).toBe("Paused: real events are not sent; this test is.");
  });
});

describe("emptyWebhookForm", () => {
  it("starts with a type that fits the scope", () => {
    expect(emptyWebhookForm(repoScope).type).toBe("TAG_PUSH");
    expect(emptyWebhookForm(nsScope).type).toBe("REPO_EVENT");
    expect(validateWebhook({ ...emptyWebhookForm(nsScope), endpoint: "https://h.example" }, nsScope)).toEqual({});
  });
});

describe("validateWebhook", () => {
  it("accepts an https endpoint", () => {
    expect(validateWebhook(form(), repoScope)).toEqual({});
  });

  it("names the checkbox by its words in the http:// error", () => {
    expect(SKIP_TLS_LABEL).toBe("Allow http:// or untrusted certificates");
    expect(HTTP_NEEDS_SKIP).toContain(`“${SKIP_TLS_LABEL}”`);
  });

  it("needs skip TLS verification for http://", () => {
    expect(validateWebhook(form({ endpoint: "http://192.0.2.1:47820/hooks/t" }), repoScope)).toEqual({
      skipTLSVerification: HTTP_NEEDS_SKIP,
    });
    expect(
      validateWebhook(
        form({ endpoint: "http://192.0.2.1:47820/hooks/t", skipTLSVerification: true }),
        repoScope,
      ),
    ).toEqual({});
  });

  it("does not refuse localhost (DTR may run on this machine)", () => {
    expect(
      validateWebhook(form({ endpoint: "https://localhost/x" }), repoScope).endpoint,
    ).toBeUndefined();
  });

  it("checks the endpoint", () => {
    expect(validateWebhook(form({ endpoint: "" }), repoScope).endpoint).toBe(
      "Enter the endpoint URL.",
    );
    expect(validateWebhook(form({ endpoint: "dtr.example.com" }), repoScope).endpoint).toMatch(
      /https:\/\/ or http:\/\//,
    );
  });

  it("checks that the type fits the scope", () => {
    expect(validateWebhook(form({ type: "REPO_EVENT" }), repoScope).type).toMatch(/namespace/);
    expect(validateWebhook(form({ type: "TAG_PUSH" }), nsScope).type).toMatch(/one repository/);
    expect(validateWebhook(form({ type: "SCANNER_UPDATE_COMPLETED" }), nsScope).type).toMatch(
      /global/,
    );
    expect(validateWebhook(form({ type: "" }), repoScope).type).toBe("Choose a webhook type.");
  });

  it("checks the certificate", () => {
    expect(validateWebhook(form({ tlsCert: "abc" }), repoScope).tlsCert).toBeTruthy();
    expect(validateWebhook(form({ tlsCert: ` ${CERT}\n` }), repoScope)).toEqual({});
    expect(tlsCertProblem("-----BEGIN CERTIFICATE----------END CERTIFICATE-----")).toBeTruthy();
  });
});

describe("drafts", () => {
  it("builds the create draft with the scope", () => {
    expect(buildDraft(form({ endpoint: " https://h.example/x ", tlsCert: ` ${CERT} ` }), repoScope)).toEqual({
      type: "TAG_PUSH",
      scope: repoScope,
      endpoint: "https://h.example/x",
      tlsCert: CERT,
      skipTLSVerification: false,
    });
  });

  const hook = (over: Partial<DtrWebhook> = {}): DtrWebhook => ({
    id: "a".repeat(64),
    type: "TAG_PUSH",
    key: "acme/web",
    endpoint: "https://h.example/hooks/tok",
    authorID: "u",
    createdAt: "2026-01-01T00:00:00.000000000Z",
    lastSuccessfulAt: null,
    inactive: false,
    tlsCert: CERT,
    skipTLSVerification: false,
    ...over,
  });

  it("tests a webhook with its own settings", () => {
    expect(testDraftOf(hook())).toEqual({
      type: "TAG_PUSH",
      endpoint: "https://h.example/hooks/tok",
      tlsCert: CERT,
      skipTLSVerification: false,
    });
  });

  it("flips inactive and keeps TLS settings", () => {
    expect(toggleUpdate(hook())).toEqual({
      id: "a".repeat(64),
      inactive: true,
      tlsCert: CERT,
      skipTLSVerification: false,
    });
    expect(toggleUpdate(hook({ inactive: true, skipTLSVerification: true })).inactive).toBe(false);
  });

  it("fills in DTR 2.5's missing TLS fields", () => {
    const old = hook({ endpoint: "http://h.example/x", tlsCert: null, skipTLSVerification: null });
    expect(toggleUpdate(old)).toMatchObject({ tlsCert: "", skipTLSVerification: true });
    expect(testDraftOf(hook({ tlsCert: null, skipTLSVerification: null }))).toMatchObject({
      tlsCert: "",
      skipTLSVerification: false,
    });
  });

  it("names the key of each scope", () => {
    expect(scopeKey(repoScope)).toBe("acme/web");
    expect(scopeKey(nsScope)).toBe("acme");
    expect(scopeKey({ kind: "global" })).toBe("");
  });
});
