import { describe, expect, it } from "vitest";
import { Submission, fieldsOf } from "./submission.svelte";

const submitEvent = () => {
  let prevented = false;
  const event = { preventDefault: () => (prevented = true) } as unknown as SubmitEvent;
  return { event, prevented: () => prevented };
};

describe("Submission", () => {
  it("shows each field error once, under its field, from the submit that found it", async () => {
    let errors: Partial<Record<"name" | "url", string>> = { url: "Give a URL." };
    const sub = new Submission(() => errors);
    expect(sub.shown("url")).toBeUndefined();
    let saved = 0;
    const { event, prevented } = submitEvent();
    expect(await sub.submit(event, async () => void saved++)).toBe(false);
    expect(prevented()).toBe(true);
    expect(saved).toBe(0);
    // No form-level copy: the field shows it, and it goes when the field is fixed.
    expect(sub.error).toBeNull();
    expect(sub.shown("url")).toBe("Give a URL.");
    errors = {};
    expect(sub.shown("url")).toBeUndefined();
    // A field that was fine at the submit (or appeared since) waits for the next submit.
    errors = { name: "Give a name." };
    expect(sub.shown("name")).toBeUndefined();
    await sub.submit(submitEvent().event, async () => void saved++);
    expect(sub.shown("name")).toBe("Give a name.");
    expect(saved).toBe(0);
  });

  it("focuses the first invalid control of the form once the errors show", async () => {
    let focused = "";
    const control = (name: string) => ({
      focus: () => (focused = name),
      scrollIntoView: () => {},
    });
    const form = { querySelector: (css: string) => (css.includes("aria-invalid") ? control("url") : null) };
    const event = { preventDefault: () => {}, currentTarget: form } as unknown as SubmitEvent;
    const sub = new Submission<"url">(() => ({ url: "Give a URL." }));
    await sub.submit(event, async () => {});
    expect(focused).toBe("url");
  });

  it("is saving while the save runs and keeps its error", async () => {
    const sub = new Submission<"name">(() => ({}));
    let finish!: () => void;
    const running = sub.submit(submitEvent().event, () => new Promise<void>((r) => (finish = r)));
    expect(sub.saving).toBe(true);
    finish();
    await running;
    expect(sub.saving).toBe(false);
    expect(sub.error).toBeNull();

    await sub.submit(submitEvent().event, () => Promise.reject({ kind: "invalid", message: "Quay said 400" }));
    expect(sub.error).toEqual({ kind: "invalid", message: "Quay said 400" });
    expect(sub.saving).toBe(false);
  });

  it("shows a field Rust refused under that field until it is edited", async () => {
    const sub = new Submission<"bind" | "port">(
      () => ({}),
      (e) => (e.field === "receiverBind" ? "bind" : null),
    );
    const refusal = { kind: "invalid" as const, message: "Not an IP address.", field: "receiverBind" };
    expect(await sub.submit(submitEvent().event, () => Promise.reject(refusal))).toBe(false);
    expect(sub.shown("bind")).toBe("Not an IP address.");
    expect(sub.error, "shown once, at its field").toBeNull();
    expect(sub.shown("port")).toBeUndefined();
    sub.edited();
    expect(sub.shown("bind")).toBeUndefined();
    expect(await sub.submit(submitEvent().event, async () => {})).toBe(true);
  });

  it("maps only the fields a form has, and only for invalid input", () => {
    const of = fieldsOf<"url">({ "method.url": "url" });
    expect(of({ kind: "invalid", message: "m", field: "method.url" })).toBe("url");
    expect(of({ kind: "invalid", message: "m", field: "namespace" })).toBeNull();
    expect(of({ kind: "storage", message: "m", field: "method.url" })).toBeNull();
    expect(of({ kind: "invalid", message: "m" })).toBeNull();
  });
});
