import { describe, expect, it } from "vitest";
import { oneAtATime } from "./one-at-a-time";

/** A task whose runs end when the test says so. */
function controlled() {
  const ends: Array<(ok: boolean) => void> = [];
  const task = () =>
    new Promise<void>((resolve, reject) => ends.push((ok) => (ok ? resolve() : reject())));
  return { task, ends };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("oneAtATime", () => {
  it("runs once more after the run, however often it was asked meanwhile", async () => {
    const { task, ends } = controlled();
    const run = oneAtATime(task);
    run();
    run();
    run();
    expect(ends.length).toBe(1);
    ends[0](true);
    await settle();
    expect(ends.length).toBe(2);
    ends[1](true);
    await settle();
    expect(ends.length).toBe(2);
  });

  it("goes on after a run that failed", async () => {
    const { task, ends } = controlled();
    const run = oneAtATime(task);
    run();
    run();
    ends[0](false);
    await settle();
    expect(ends.length).toBe(2);
    ends[1](true);
    await settle();
    run();
    expect(ends.length).toBe(3);
  });
});
