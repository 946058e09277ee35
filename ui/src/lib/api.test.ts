import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api, toCommandError } from "./api";

afterEach(() => clearMocks());

describe("api.appInfo", () => {
  it("invokes app_info with no arguments and returns its answer", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "app_info") return { version: "9.9.9", dataDir: "/d", configDir: "/c" };
      throw new Error(`unexpected command ${cmd}`);
    });

    const info = await api.appInfo();

    expect(info).toEqual({ version: "9.9.9", dataDir: "/d", configDir: "/c" });
    expect(calls.map((c) => c.cmd)).toEqual(["app_info"]);
  });

  it("passes a CommandError from Rust through unchanged", async () => {
    mockIPC(() => {
      throw { kind: "storage", message: "the data folder is not writable" };
    });
    await expect(api.appInfo()).rejects.toEqual({
      kind: "storage",
      message: "the data folder is not writable",
    });
  });

  it("wraps a plain string rejection as an internal error", async () => {
    mockIPC(() => {
      throw "app_info not allowed by ACL";
    });
    await expect(api.appInfo()).rejects.toEqual({
      kind: "internal",
      message: "app_info not allowed by ACL",
    });
  });
});

describe("toCommandError", () => {
  it("stringifies unknown shapes", () => {
    expect(toCommandError(42)).toEqual({ kind: "internal", message: "42" });
  });

  it("treats a kind Rust does not send as internal", () => {
    expect(toCommandError({ kind: "quay", message: "m" })).toEqual({ kind: "internal", message: "m" });
  });

  it("keeps the field an invalid error names", () => {
    const e = { kind: "invalid", message: "The body limit must be between 1 and 1024 MiB.", field: "bodyLimitMib" };
    expect(toCommandError(e)).toEqual(e);
    expect(toCommandError({ kind: "storage", message: "disk full", field: 7 })).toEqual({
      kind: "storage",
      message: "disk full",
    });
  });
});

describe("api.inboxSubscribe", () => {
  it("hands Rust a channel whose messages reach the callback", async () => {
    const got: unknown[] = [];
    let channelId: number | undefined;
    mockIPC((cmd, args) => {
      if (cmd !== "inbox_subscribe") throw new Error(`unexpected ${cmd}`);
      channelId = (args as { onDeliveries: { id: number } }).onDeliveries.id;
    });

    await api.inboxSubscribe((d) => got.push(d));
    expect(channelId).toBeTypeOf("number");

    const one = { id: 1, summary: "push to ns/r: latest" };
    const two = { id: 2, summary: "push to ns/r: v2" };
    // What Tauri does when Rust sends a batch on the channel.
    (window as any).__TAURI_INTERNALS__.runCallback(channelId, { index: 0, message: [one, two] });
    expect(got).toEqual([one, two]);
  });
});

describe("api.inboxList", () => {
  it("sends the query under the `query` key", async () => {
    let seen: unknown;
    mockIPC((cmd, args) => {
      seen = { cmd, args };
      return [];
    });
    const query = {
      text: "push",
      source: "quay" as const,
      event: null,
      repository: null,
      route: null,
      status: null,
      limit: 10,
      before: null,
    };
    await api.inboxList(query);
    expect(seen).toEqual({ cmd: "inbox_list", args: { query } });
  });
});
