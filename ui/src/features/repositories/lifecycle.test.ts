import { describe, expect, it } from "vitest";
import {
  confirmsDeletion,
  descriptionProblem,
  impactText,
  nameProblem,
  shortDigest,
  sizeText,
} from "./lifecycle";

describe("nameProblem", () => {
  it("follows Quay's rule, nested names included", () => {
    for (const ok of ["web", "0x", "web.api-v2_x", "team/web"]) {
      expect(nameProblem("quay", "acme", ok)).toBeNull();
    }
    expect(nameProblem("quay", "acme", "")).toBe("Enter a name.");
    expect(nameProblem("quay", "acme", "Web")).toMatch(/start with a lower-case/);
    expect(nameProblem("quay", "acme", "web app")).toMatch(/only/);
    expect(nameProblem("quay", "acme", "web/")).toMatch(/"\/"/);
    expect(nameProblem("quay", "acme", "a".repeat(251))).toMatch(/255/);
    expect(nameProblem("quay", "acm", "a".repeat(251))).toBeNull();
  });
  it("follows DTR's rule: no nesting, single separators", () => {
    expect(nameProblem("dtr", "acme", "web-api.v2")).toBeNull();
    expect(nameProblem("dtr", "acme", "team/web")).toMatch(/no "\/"/);
    expect(nameProblem("dtr", "acme", "web--api")).toMatch(/single/);
    expect(nameProblem("dtr", "acme", "-web")).not.toBeNull();
  });
});

describe("descriptionProblem", () => {
  it("limits DTR's short description to 140 bytes, not Quay's", () => {
    expect(descriptionProblem("dtr", "x".repeat(140))).toBeNull();
    expect(descriptionProblem("dtr", "é".repeat(70))).toBeNull();
    expect(descriptionProblem("dtr", "é".repeat(71))).toMatch(/142 bytes/);
    expect(descriptionProblem("dtr", "x".repeat(141))).toMatch(/141 bytes/);
    expect(descriptionProblem("quay", "x".repeat(5000))).toBeNull();
  });
});

describe("deletion", () => {
  it("says what goes with the repository", () => {
    expect(impactText("quay", { tags: 1, moreTags: false, notifications: 2 })).toBe(
      "Deleting removes 1 tag and 2 notifications with the repository. This cannot be undone.",
    );
    expect(impactText("dtr", { tags: 1000, moreTags: true, notifications: 1 })).toMatch(
      /^Deleting removes 1000 or more tags and 1 webhook /,
    );
  });
  it("needs the exact name typed", () => {
    expect(confirmsDeletion(" web ", "web")).toBe(true);
    expect(confirmsDeletion("Web", "web")).toBe(false);
    expect(confirmsDeletion("acme/web", "web")).toBe(false);
  });
});

describe("tag columns", () => {
  it("shows sizes and digests briefly", () => {
    expect(sizeText(null)).toBe("—");
    expect(sizeText(512)).toBe("512 B");
    expect(sizeText(48211733)).toBe("46.0 MiB");
    expect(shortDigest(`sha256:${"ab".repeat(32)}`)).toBe("sha256:abababababab");
    expect(shortDigest(null)).toBe("—");
  });
});
