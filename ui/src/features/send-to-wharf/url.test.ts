import { describe, expect, it } from "vitest";
import { QUAY_LOOPBACK, deliveryUrlProblem, isHttp } from "./url";

describe("deliveryUrlProblem", () => {
  it.each([
    ["https://hooks.example.com/quay", null],
    ["HTTP://192.0.2.4:47820/hooks/abc", null],
    ["http://[::1]:8080/x", null],
    ["https://user:pw@hooks.example.com/", null],
    ["", "Enter the webhook URL."],
    ["   ", "Enter the webhook URL."],
    ["hooks.example.com", "must start with https:// or http://"],
    ["ftp://hooks.example.com", "must start with https:// or http://"],
    ["https://hooks.example.com/a b", "spaces"],
    ["https:///path", "server name is missing"],
    ["https://host:0/", "port"],
    ["https://host:70000/", "port"],
    ["https://host:abc/", "port"],
    ["http://[::1/", "IPv6"],
  ])("%s", (url, problem) => {
    const got = deliveryUrlProblem(url, "webhook", false);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toContain(problem);
  });

  it("refuses localhost and 127.0.0.1 for Quay only", () => {
    for (const url of [
      "http://localhost:47820/hooks/t",
      "http://LOCALHOST./x",
      "http://127.0.0.1/hooks/t",
    ]) {
      expect(deliveryUrlProblem(url, "webhook", true)).toBe(QUAY_LOOPBACK);
      expect(deliveryUrlProblem(url, "endpoint", false)).toBeNull();
    }
    // Other loopback addresses pass, as they do on Quay.
    expect(deliveryUrlProblem("http://127.0.0.2/x", "webhook", true)).toBeNull();
  });
});

describe("isHttp", () => {
  it("tells http from https", () => {
    expect(isHttp(" Http://x")).toBe(true);
    expect(isHttp("https://x")).toBe(false);
  });
});

