import { describe, expect, it } from "vitest";
import type { QuayNotificationView } from "../../lib/api";
import registryBindings from "../../lib/bindings/registry.ts?raw";
import { declaration } from "../../test/bindings";
import {
  EVENTS,
  METHODS,
  SEVERITIES,
  buildDraft,
  describeEventConfig,
  emailProblem,
  emptyNotificationForm,
  eventUnavailable,
  methodUnavailable,
  isBuildEvent,
  routeLabel,
  templateExample,
  templateProblem,
  validateNotification,
  type NotificationForm,
} from "./form";

const form = (over: Partial<NotificationForm> = {}): NotificationForm => ({
  ...emptyNotificationForm(),
  url: "https://hooks.example.com/quay",
  ...over,
});

const eventBinding = declaration(registryBindings, "QuayEventSpec");
const methodBinding = declaration(registryBindings, "QuayMethodSpec");
const severityBinding = declaration(registryBindings, "QuaySeverity");

const kindsIn = (source: string) =>
  [...source.matchAll(/"kind": "([a-z_]+)"/g)].map((m) => m[1]).sort();

describe("choices", () => {
  it("cover every event and method kind of the bindings", () => {
    expect(EVENTS.map((e) => e.value).sort()).toEqual(kindsIn(eventBinding));
    expect(METHODS.map((m) => m.value).sort()).toEqual(kindsIn(methodBinding));
  });
  it("cover every severity of the binding, worst first", () => {
    const inBinding = [...severityBinding.matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]);
    expect(SEVERITIES).toEqual(inBinding);
  });
  it("know the five build events", () => {
    expect(EVENTS.filter((e) => isBuildEvent(e.value)).map((e) => e.value)).toEqual([
      "build_queued",
      "build_start",
      "build_success",
      "build_failure",
      "build_cancelled",
    ]);
  });
});

describe("validateNotification", () => {
  it("accepts a plain webhook on push", () => {
    expect(validateNotification(form(), "acme")).toEqual({});
  });

  it("checks webhook URLs like Quay, localhost included", () => {
    expect(validateNotification(form({ url: "" }), "acme").url).toBe("Enter the webhook URL.");
    expect(validateNotification(form({ url: "hooks.example.com" }), "acme").url).toMatch(
      /https:\/\/ or http:\/\//,
    );
    expect(validateNotification(form({ url: "http://localhost:1/x" }), "acme").url).toMatch(
      /localhost/,
    );
  });

  it("needs a JSON template without empty expressions", () => {
    expect(validateNotification(form({ template: "{not json" }), "acme").template).toMatch(
      /must be a JSON document/,
    );
    expect(templateProblem('{"a": "${ }"}')).toMatch(/empty \$\{\}/);
    expect(templateProblem('{"text": "${repository} pushed"}')).toBeNull();
    expect(templateProblem("  ")).toBeNull();
  });

  it("needs 1 to 3650 whole days for image expiry only", () => {
    const exp = (days: number | null) =>
      validateNotification(form({ event: "repo_image_expiry", days }), "acme").days;
    expect(exp(0)).toBeTruthy();
    expect(exp(null)).toBeTruthy();
    expect(exp(1.5)).toBeTruthy();
    expect(exp(3651)).toBeTruthy();
    expect(exp(1)).toBeUndefined();
    expect(validateNotification(form({ days: 0 }), "acme").days).toBeUndefined();
  });

  it("checks the fields of each method", () => {
    const v = (over: Partial<NotificationForm>) => validateNotification(form(over), "acme");
    expect(v({ method: "email", email: "ops" }).email).toMatch(/no @/);
    expect(v({ method: "email", email: "ops@example.com" })).toEqual({});
    expect(v({ method: "slack", url: "" }).url).toBe("Enter the Slack webhook URL.");
    expect(v({ method: "quay_notification", targetName: "" }).targetName).toBeTruthy();
    expect(v({ method: "quay_notification", targetName: "acme+robot" }).targetName).toMatch(
      /robot/,
    );
    expect(
      v({ method: "quay_notification", targetKind: "org", targetName: "other" }).targetName,
    ).toMatch(/"acme"/);
    expect(v({ method: "quay_notification", targetKind: "org", targetName: "acme" })).toEqual({});
    expect(v({ method: "flowdock" }).flowToken).toBeTruthy();
    expect(v({ method: "hipchat", roomId: "abc", roomToken: "" })).toEqual({
      roomId: "The HipChat room ID must be a number, such as 1234567.",
      roomToken: "Enter the HipChat room notification token.",
    });
    expect(v({ method: "hipchat", roomId: "42", roomToken: "t" })).toEqual({});
  });

  it("ignores the fields of other methods", () => {
    expect(validateNotification(form({ method: "email", email: "a@b.co", url: "" }), "acme")).toEqual(
      {},
    );
  });

  it("limits the title to 255 characters", () => {
    expect(validateNotification(form({ title: "x".repeat(256) }), "acme").title).toBeTruthy();
    expect(validateNotification(form({ title: "x".repeat(255) }), "acme").title).toBeUndefined();
  });
});

describe("emailProblem", () => {
  it.each([
    ["a@example.com", null],
    ["", "Enter"],
    ["a b@example.com", "spaces"],
    ["@example.com", "before the @"],
    ["a@example", "domain"],
    ["a@.example.com", "domain"],
    ["a@example..com", "domain"],
  ])("%s", (email, problem) => {
    const got = emailProblem(email);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toContain(problem);
  });
});

describe("buildDraft", () => {
  it("builds each event spec with its option", () => {
    expect(buildDraft(form({ event: "build_failure", refRegex: " refs/heads/main " })).event).toEqual(
      { kind: "build_failure", refRegex: "refs/heads/main" },
    );
    expect(buildDraft(form({ event: "vulnerability_found", level: "Medium" })).event).toEqual({
      kind: "vulnerability_found",
      level: "Medium",
    });
    expect(buildDraft(form({ event: "repo_image_expiry", days: 14 })).event).toEqual({
      kind: "repo_image_expiry",
      days: 14,
    });
    expect(buildDraft(form({ event: "repo_mirror_sync_failed" })).event).toEqual({
      kind: "repo_mirror_sync_failed",
    });
  });

  it("builds each method spec with only its own fields", () => {
    const m = (over: Partial<NotificationForm>) => buildDraft(form(over)).method;
    expect(m({ template: ' {"a":1} ' })).toEqual({
      kind: "webhook",
      url: "https://hooks.example.com/quay",
      template: '{"a":1}',
    });
    expect(m({ method: "email", email: " ops@example.com " })).toEqual({
      kind: "email",
      email: "ops@example.com",
    });
    expect(m({ method: "slack" })).toEqual({ kind: "slack", url: "https://hooks.example.com/quay" });
    expect(m({ method: "quay_notification", targetKind: "team", targetName: " devs " })).toEqual({
      kind: "quay_notification",
      target: { kind: "team", name: "devs" },
    });
    expect(m({ method: "flowdock", flowToken: "ft" })).toEqual({
      kind: "flowdock",
      flowApiToken: "ft",
    });
    expect(m({ method: "hipchat", roomId: "12", roomToken: "rt" })).toEqual({
      kind: "hipchat",
      roomId: "12",
      notificationToken: "rt",
    });
  });

  it("trims the title and labels routes by title or event", () => {
    expect(buildDraft(form({ title: "  CI  " })).title).toBe("CI");
    expect(routeLabel(form({ title: " CI " }))).toBe("CI");
    expect(routeLabel(form({ title: "", event: "build_start" }))).toBe("build_start");
  });
});

const notification = (over: Partial<QuayNotificationView>): QuayNotificationView => ({
  uuid: "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10",
  title: null,
  event: "repo_push",
  refRegex: null,
  level: null,
  days: null,
  method: "webhook",
  target: "https://h.example/hooks/tok",
  webhookUrl: "https://h.example/hooks/tok",
  failures: 0,
  disabled: false,
  ...over,
});

describe("stored notifications", () => {
  it("describe event options in words", () => {
    expect(describeEventConfig(notification({ refRegex: "refs/heads/main" }))).toBe(
      "refs matching refs/heads/main",
    );
    expect(describeEventConfig(notification({ days: 7 }))).toBe("within 7 days");
    expect(describeEventConfig(notification({ level: "High" }))).toBe("High or worse");
    expect(describeEventConfig(notification({}))).toBeNull();
  });
});

describe("what this Quay switched off", () => {
  const features = {
    unavailableEvents: [{ value: "quota_error", reason: "Quota management is off on this Quay." }],
    unavailableMethods: [{ value: "email", reason: "This Quay cannot send e-mail." }],
  };
  it("names the reason for an event or method that never delivers", () => {
    expect(eventUnavailable(features, "quota_error")).toBe("Quota management is off on this Quay.");
    expect(eventUnavailable(features, "repo_push")).toBeNull();
    expect(methodUnavailable(features, "email")).toMatch(/e-mail/);
    expect(methodUnavailable(features, "webhook")).toBeNull();
  });
  it("claims nothing while the features are unknown", () => {
    expect(eventUnavailable(null, "quota_error")).toBeNull();
    expect(methodUnavailable(null, "email")).toBeNull();
  });
});

describe("templateExample", () => {
  it("gives every event a template the form accepts", () => {
    for (const e of EVENTS) {
      const example = templateExample(e.value);
      expect(example, e.value).toMatch(/\$\{[a-z_.]+\}/);
      expect(templateProblem(example), e.value).toBeNull();
    }
  });

  it("matches the event instead of always talking about a push", () => {
    expect(templateExample("repo_push")).toContain("${updated_tags}");
    for (const b of ["build_queued", "build_start", "build_success", "build_failure", "build_cancelled"])
      expect(templateExample(b), b).toContain("${build_name}");
    expect(templateExample("build_failure")).toContain("${error_message}");
    expect(templateExample("vulnerability_found")).toContain("${vulnerability.priority}");
    expect(templateExample("repo_mirror_sync_failed")).toContain("${message}");
    expect(templateExample("repo_image_expiry")).toContain("${expiring_in}");
    expect(templateExample("quota_warning")).toContain("${usage_percent}");
    expect(new Set(EVENTS.map((e) => templateExample(e.value))).size).toBe(EVENTS.length);
  });
});
