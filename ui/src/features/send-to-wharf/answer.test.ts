import { describe, expect, it } from "vitest";
import { answerText, parseAnswer } from "./answer";

describe("route answers", () => {
  it("reads a status with an optional delay in seconds", () => {
    expect(parseAnswer("500")).toEqual({ status: 500, body: null, delayMs: 0 });
    expect(parseAnswer(" 200:15 ")).toEqual({ status: 200, body: null, delayMs: 15000 });
    expect(parseAnswer("200:2.5s")).toEqual({ status: 200, body: null, delayMs: 2500 });
  });
  it("refuses what the receiver would refuse", () => {
    expect(parseAnswer("99")).toMatch(/200 to 599/);
    expect(parseAnswer("abc")).toMatch(/200 to 599/);
    expect(parseAnswer("200:31")).toMatch(/0 to 30/);
    expect(parseAnswer("200:-1")).toMatch(/0 to 30/);
  });
  it("says it back briefly", () => {
    expect(answerText({ status: 500, body: null, delayMs: 0 })).toBe("500");
    expect(answerText({ status: 200, body: null, delayMs: 15000 })).toBe("200 after 15 s");
  });
});
