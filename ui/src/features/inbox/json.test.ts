import { describe, expect, it } from "vitest";
import {
  MAX_DEPTH,
  jsonPath,
  prettyJson,
  valueText,
  children,
  initiallyOpen,
  jsonTree,
  parseJson,
  preview,
  scalarText,
  type JsonNode,
} from "./json";

const ok = (text: string): JsonNode => {
  const r = parseJson(text);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

describe("parseJson", () => {
  it("reads every kind of value", () => {
    expect(ok(' {"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null], "b": {}} ')).toEqual({
      type: "object",
      entries: [
        {
          key: "a",
          value: {
            type: "array",
            items: [
              { type: "number", raw: "1" },
              { type: "number", raw: "-2.5e3" },
              { type: "string", value: "x\né" },
              { type: "boolean", value: true },
              { type: "boolean", value: false },
              { type: "null" },
            ],
          },
        },
        { key: "b", value: { type: "object", entries: [] } },
      ],
    });
  });

  it("keeps key order, repeated keys and numbers as written", () => {
    const n = ok('{"b":1,"2":2,"1":3,"b":4.0,"big":12345678901234567890}');
    expect(children(n).map((c) => c.label)).toEqual(["b", "2", "1", "b", "big"]);
    expect(children(n).map((c) => scalarText(c.node))).toEqual(["1", "2", "3", "4.0", "12345678901234567890"]);
  });

  it.each([
    ["{", "expected a key"],
    ['{"a" 1}', "expected ':'"],
    ["[1,]", "unexpected"],
    ["[1 2]", "expected ','"],
    ['"abc', "unterminated"],
    ['"a\tb"', "bad string"],
    ["01", "text after"],
    ["{} x", "text after"],
    ["NaN", "unexpected"],
    ["", "unexpected"],
  ])("refuses %j", (text, reason) => {
    const r = parseJson(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  it("refuses documents nested deeper than the tree can show", () => {
    const deep = "[".repeat(MAX_DEPTH + 5) + "]".repeat(MAX_DEPTH + 5);
    expect(parseJson(deep)).toMatchObject({ ok: false, reason: expect.stringContaining("deeply") });
    const fine = "[".repeat(50) + "]".repeat(50);
    expect(parseJson(fine).ok).toBe(true);
  });

  it("treats markup in strings as plain characters", () => {
    expect(scalarText(children(ok('{"x":"<img src=x onerror=alert(1)>"}'))[0].node)).toBe(
      '"<img src=x onerror=alert(1)>"',
    );
  });
});

describe("jsonTree", () => {
  it("gives a tree for objects and arrays only", () => {
    expect(jsonTree('  {"a":1}')?.type).toBe("object");
    expect(jsonTree("[]")?.type).toBe("array");
    expect(jsonTree("42")).toBeNull();
    expect(jsonTree('"text"')).toBeNull();
    expect(jsonTree("{broken")).toBeNull();
    expect(jsonTree("payload=1")).toBeNull();
  });
});

describe("tree helpers", () => {
  it("opens the first two levels only", () => {
    expect([0, 1, 2, 3].map(initiallyOpen)).toEqual([true, true, false, false]);
  });

  it("previews containers with counts", () => {
    expect(preview(ok('{"a":1}'))).toBe("{1 key}");
    expect(preview(ok("[1,2]"))).toBe("[2 items]");
    expect(preview(ok("[]"))).toBe("[]");
    expect(preview(ok("{}"))).toBe("{}");
    expect(children(ok("[true]"))).toEqual([{ label: "0", node: { type: "boolean", value: true } }]);
  });
});

describe("pretty JSON, paths and copied values", () => {
  const tree = (text: string) => {
    const r = parseJson(text);
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  };

  it("indents as sent: key order, repeated keys and numbers kept", () => {
    expect(prettyJson(tree('{"b":1,"a":[1.0,{"x":null}],"b":true,"e":{},"f":[]}'))).toBe(
      '{\n  "b": 1,\n  "a": [\n    1.0,\n    {\n      "x": null\n    }\n  ],\n  "b": true,\n  "e": {},\n  "f": []\n}',
    );
    expect(prettyJson(tree('"a\\u0022b"'))).toBe('"a\\"b"');
    expect(prettyJson(tree("12345678901234567890"))).toBe("12345678901234567890");
  });

  it("names a value by its JSONPath, quoting keys that are not identifiers", () => {
    expect(jsonPath([])).toBe("$");
    expect(jsonPath(["data", "repository"])).toBe("$.data.repository");
    expect(jsonPath(["items", 0, "name"])).toBe("$.items[0].name");
    expect(jsonPath(["a key", "x-y", "0"])).toBe('$["a key"]["x-y"]["0"]');
  });

  it("copies a string's text and any other value as JSON", () => {
    expect(valueText({ type: "string", value: 'say "hi"' })).toBe('say "hi"');
    expect(valueText({ type: "number", raw: "1.50" })).toBe("1.50");
    expect(valueText(tree('{"a":[1]}'))).toBe('{\n  "a": [\n    1\n  ]\n}');
  });
});
