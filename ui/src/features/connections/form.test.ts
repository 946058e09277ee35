import { describe, expect, it } from "vitest";
import type { Connection, ConnectionHealth } from "../../lib/api";
import {
  RECHECK_AFTER_MS,
  checkedAgo,
  healthBadge,
  kindOf,
  needsRecheck,
  refusedField,
  baseUrlProblem,
  withScheme,
  emptyForm,
  formFromConnection,
  toInput,
  validateConnection,
  type ConnectionForm,
} from "./form";

const filled = (over: Partial<ConnectionForm> = {}): ConnectionForm => ({
  ...emptyForm(),
  name: "Quay",
  baseUrl: "https://quay.io",
  token: "abc123",
  ...over,
});

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";

describe("validateConnection", () => {
  it("accepts a complete new Quay connection", () => {
    expect(validateConnection(filled())).toEqual({});
  });

  it("asks for name, address and token on an empty new form", () => {
    const errors = validateConnection(emptyForm());
    expect(Object.keys(errors).sort()).toEqual(["baseUrl", "name", "token"]);
  });

  it("needs a user name for DTR only", () => {
    expect(validateConnection(filled({ kind: "dtr" })).username).toBeTruthy();
    expect(validateConnection(filled({ kind: "dtr", username: "admin" }))).toEqual({});
    expect(validateConnection(filled({ kind: "quay", username: "" })).username).toBeUndefined();
  });

  it("lets an edit keep the stored token with a blank field", () => {
    expect(validateConnection(filled({ id: "c1", token: "" }))).toEqual({});
  });

  it("refuses a token with spaces inside", () => {
    expect(validateConnection(filled({ token: "Bearer abc" })).token).toMatch(/spaces/);
  });

  it("checks that a custom CA looks like PEM", () => {
    expect(validateConnection(filled({ caPem: "not a cert" })).caPem).toBeTruthy();
    expect(validateConnection(filled({ caPem: CERT }))).toEqual({});
  });
});

describe("baseUrlProblem", () => {
  it.each([
    ["https://quay.io", null],
    ["http://192.0.2.10:8080/", null],
    ["quay.io", null],
    ["quay.example.com:8443", null],
    ["https://exa mple.com", "not a URL"],
    ["ftp://quay.io", "https://"],
    ["https://user:pw@quay.io", "user name"],
    ["https://quay.io/?x=1", "?"],
    ["https://quay.io/#top", "#"],
  ])("%s", (url, problem) => {
    const got = baseUrlProblem(url);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toContain(problem);
  });
});

describe("withScheme", () => {
  it("assumes https:// when the scheme is missing, and only then", () => {
    expect(withScheme(" quay.io ")).toBe("https://quay.io");
    expect(withScheme("http://192.0.2.10")).toBe("http://192.0.2.10");
    expect(withScheme("ftp://x")).toBe("ftp://x");
    expect(withScheme("  ")).toBe("");
    expect(toInput(filled({ baseUrl: "dtr.example.com/" })).baseUrl).toBe("https://dtr.example.com");
  });
});

describe("toInput", () => {
  it("trims, drops the trailing slash and sends a blank token as null", () => {
    const input = toInput(filled({ id: "c1", baseUrl: " https://quay.io/ ", token: "  " }));
    expect(input).toEqual({
      id: "c1",
      name: "Quay",
      kind: "quay",
      baseUrl: "https://quay.io",
      username: null,
      tls: { acceptInvalidCerts: false },
      token: null,
    });
  });

  it("keeps the user name for DTR and the CA and insecure flag", () => {
    const input = toInput(
      filled({ kind: "dtr", username: " admin ", caPem: CERT, acceptInvalidCerts: true }),
    );
    expect(input.username).toBe("admin");
    expect(input.tls).toEqual({ caPem: CERT, acceptInvalidCerts: true });
    expect(input.token).toBe("abc123");
  });

  it("leaves the user name out for Quay even if one was typed", () => {
    expect(toInput(filled({ kind: "quay", username: "someone" })).username).toBeNull();
  });
});

describe("formFromConnection", () => {
  it("starts the edit with a blank token", () => {
    const c: Connection = {
      id: "c1",
      name: "DTR",
      kind: "dtr",
      baseUrl: "https://dtr.example.com",
      username: "admin",
      tls: { caPem: CERT, acceptInvalidCerts: false },
    };
    const f = formFromConnection(c);
    expect(f.token).toBe("");
    expect(f.username).toBe("admin");
    expect(f.caPem).toBe(CERT);
    expect(Object.keys(validateConnection(f)).length > 0).toBe(false);
  });
});

describe("plain http warning", () => {
  it("warns for http:// only", async () => {
    const { plainHttpWarning } = await import("./form");
    expect(plainHttpWarning(" HTTP://quay.example")).toMatch(/unencrypted/);
    expect(plainHttpWarning("https://quay.example")).toBeNull();
    expect(plainHttpWarning("")).toBeNull();
  });
});

describe("kinds", () => {
  it("name the connection after the registry kind", () => {
    expect(kindOf("quay").namePlaceholder).toBe("Production Quay");
    expect(kindOf("dtr").namePlaceholder).toBe("Production DTR");
  });

  it("say which token works before anything failed", () => {
    expect(kindOf("quay").tokenHint).toMatch(/repo:admin/);
    expect(kindOf("quay").tokenHint).toMatch(/Robot .* do not work/);
    expect(kindOf("dtr").tokenHint).toMatch(/access token/i);
  });
});

describe("refusedField", () => {
  it("puts a failed verification at the field it is about, whatever its kind", () => {
    expect(refusedField({ kind: "unauthorized", message: "no", field: "token" })).toBe("token");
    expect(refusedField({ kind: "unreachable", message: "no", field: "baseUrl" })).toBe("baseUrl");
    expect(refusedField({ kind: "unreachable", message: "no", field: "tls.caPem" })).toBe("caPem");
    expect(refusedField({ kind: "registry", message: "no" })).toBeNull();
  });
});

describe("health", () => {
  const now = Date.UTC(2026, 11, 2, 12, 0, 0);
  const verified: ConnectionHealth = {
    checkedAt: now - 4 * 60_000,
    result: { state: "verified", account: { account: "alice", detail: "regular user" } },
  };
  const failing: ConnectionHealth = {
    checkedAt: now - 2 * 3600_000,
    result: {
      state: "failing",
      reason: "Nothing is listening at 127.0.0.1:47999.",
      detail: "error sending request: Connection refused (os error 111)",
    },
  };

  it("badges a row verified with the account and time, failing with the reason, or not verified yet", () => {
    expect(healthBadge(undefined, now)).toMatchObject({ tone: "neutral", label: "not verified yet" });
    expect(healthBadge(verified, now)).toEqual({
      tone: "ok",
      label: "verified",
      line: "Signed in as alice — regular user (checked 4 min ago)",
      detail: null,
    });
    expect(healthBadge(failing, now)).toEqual({
      tone: "danger",
      label: "failing",
      line: "Nothing is listening at 127.0.0.1:47999. (checked 2 h ago)",
      detail: "error sending request: Connection refused (os error 111)",
    });
  });

  it("checks again what was never checked or was checked more than five minutes ago", () => {
    expect(needsRecheck(undefined, now)).toBe(true);
    expect(needsRecheck(verified, now)).toBe(false);
    expect(needsRecheck(verified, now + RECHECK_AFTER_MS)).toBe(true);
    expect(needsRecheck(failing, now)).toBe(true);
  });

  it("says how long ago", () => {
    expect(checkedAgo(now - 10_000, now)).toBe("just now");
    expect(checkedAgo(now - 59 * 60_000, now)).toBe("59 min ago");
    expect(checkedAgo(now - 23 * 3600_000, now)).toBe("23 h ago");
  });
});
