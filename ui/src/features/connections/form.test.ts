import { describe, expect, it } from "vitest";
import type { Connection } from "../../lib/api";
import {
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
