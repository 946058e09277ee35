import { describe, expect, it } from "vitest";
import { Loadable } from "./loadable.svelte";

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe("Loadable", () => {
  it("keeps the value and is loading meanwhile", async () => {
    const l = new Loadable<number>();
    const d = deferred<number>();
    const running = l.load(() => d.promise);
    expect(l.loading).toBe(true);
    d.resolve(7);
    expect(await running).toBe(true);
    expect(l.value).toBe(7);
    expect(l.loading).toBe(false);
    expect(l.error).toBeNull();
  });

  it("drops an older answer that arrives after a newer one", async () => {
    const l = new Loadable<string>();
    const older = deferred<string>();
    const newer = deferred<string>();
    const first = l.load(() => older.promise);
    const second = l.load(() => newer.promise);
    newer.resolve("new");
    older.resolve("old");
    expect(await second).toBe(true);
    expect(await first).toBe(false);
    expect(l.value).toBe("new");
  });

  it("keeps the error of the latest load only, as a CommandError", async () => {
    const l = new Loadable<string>();
    const older = deferred<string>();
    const first = l.load(() => older.promise);
    const second = l.load(() => Promise.reject({ kind: "unreachable", message: "down" }));
    older.reject("ignored");
    await Promise.all([first, second]);
    expect(l.error).toEqual({ kind: "unreachable", message: "down" });
    await l.load(async () => "back");
    expect(l.error).toBeNull();
  });

  it("tells a running load whether its answer is still wanted", async () => {
    const l = new Loadable<number>();
    let check!: () => boolean;
    const d = deferred<number>();
    const first = l.load((wanted) => {
      check = wanted;
      return d.promise;
    });
    expect(check()).toBe(true);
    void l.load(async () => 2);
    expect(check()).toBe(false);
    d.resolve(1);
    await first;
  });

  it("reset forgets the value and a load still running", async () => {
    const l = new Loadable<number>();
    const d = deferred<number>();
    const running = l.load(() => d.promise);
    l.reset();
    d.resolve(1);
    expect(await running).toBe(false);
    expect(l.value).toBeNull();
    expect(l.loading).toBe(false);
  });
});
