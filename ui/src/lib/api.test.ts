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
      throw { kind: "io", message: "the data folder is not writable" };
    });
    await expect(api.appInfo()).rejects.toEqual({
      kind: "io",
      message: "the data folder is not writable",
    });
  });

  it("wraps a plain string rejection as an ipc error", async () => {
    mockIPC(() => {
      throw "app_info not allowed by ACL";
    });
    await expect(api.appInfo()).rejects.toEqual({
      kind: "ipc",
      message: "app_info not allowed by ACL",
    });
  });
});

describe("toCommandError", () => {
  it("stringifies unknown shapes", () => {
    expect(toCommandError(42)).toEqual({ kind: "ipc", message: "42" });
  });
});
