// A small JSON reader for the detail panel's tree. Unlike JSON.parse it keeps what an inspector
// must show as sent: object keys in their order (JSON.parse moves integer-like keys first),
// repeated keys, and numbers as written (no rounding of big integers or "1.0" becoming 1).

export type JsonNode =
  | { type: "object"; entries: { key: string; value: JsonNode }[] }
  | { type: "array"; items: JsonNode[] }
  | { type: "string"; value: string }
  | { type: "number"; raw: string }
  | { type: "boolean"; value: boolean }
  | { type: "null" };

export type JsonResult = { ok: true; value: JsonNode } | { ok: false; reason: string };

/** Deeper documents are shown raw only (the tree component is recursive). */
export const MAX_DEPTH = 200;

class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJson(text: string): JsonResult {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at character ${i}`);
  };
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const readString = (): string => {
    // text[i] is the opening quote. Find the closing one, then let JSON.parse check and unescape.
    const start = i;
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail("unterminated string");
      if (c === 0x22) break;
      if (c === 0x5c) i++;
      i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail("bad string");
    }
  };
  const readValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail("nested too deeply");
    skipSpace();
    const c = text[i];
    if (c === "{") {
      i++;
      const entries: { key: string; value: JsonNode }[] = [];
      skipSpace();
      if (text[i] === "}") {
        i++;
        return { type: "object", entries };
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail("expected a key");
        const key = readString();
        skipSpace();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        entries.push({ key, value: readValue(depth + 1) });
        skipSpace();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return { type: "object", entries };
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const items: JsonNode[] = [];
      skipSpace();
      if (text[i] === "]") {
        i++;
        return { type: "array", items };
      }
      for (;;) {
        items.push(readValue(depth + 1));
        skipSpace();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return { type: "array", items };
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { type: "string", value: readString() };
    if (text.startsWith("true", i)) {
      i += 4;
      return { type: "boolean", value: true };
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return { type: "boolean", value: false };
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return { type: "null" };
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail("unexpected character");
    i += m[0].length;
    return { type: "number", raw: m[0] };
  };
  try {
    const value = readValue(0);
    skipSpace();
    if (i < text.length) fail("text after the value");
    return { ok: true, value };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, reason: e.message };
    throw e;
  }
}

/** A body worth a tree: JSON whose top level is an object or array. */
export function jsonTree(text: string): JsonNode | null {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return null;
  const r = parseJson(text);
  return r.ok ? r.value : null;
}

export const isContainer = (n: JsonNode): n is Extract<JsonNode, { type: "object" | "array" }> =>
  n.type === "object" || n.type === "array";

/** Nodes at depth 0 and 1 start open; deeper ones collapsed. */
export const initiallyOpen = (depth: number): boolean => depth < 2;

/** Children rendered at first; the rest behind a "show more" button. */
export const CHILDREN_SHOWN = 200;

/** Number of children of a container, 0 for a scalar. */
export const childCount = (n: JsonNode): number =>
  n.type === "object" ? n.entries.length : n.type === "array" ? n.items.length : 0;

/** The children as [label, node] pairs: keys for objects, indexes for arrays. */
export function children(n: JsonNode): { label: string; node: JsonNode }[] {
  if (n.type === "object") return n.entries.map((e) => ({ label: e.key, node: e.value }));
  if (n.type === "array") return n.items.map((node, i) => ({ label: String(i), node }));
  return [];
}

/** The collapsed form of a container: `{3 keys}`, `[1 item]`. */
export function preview(n: JsonNode): string {
  const count = childCount(n);
  if (count === 0 && n.type === "object") return "{}";
  if (count === 0 && n.type === "array") return "[]";
  if (n.type === "object") return `{${count} ${count === 1 ? "key" : "keys"}}`;
  if (n.type === "array") return `[${count} ${count === 1 ? "item" : "items"}]`;
  return scalarText(n);
}

/** A scalar as JSON spells it: strings quoted and escaped, numbers as written. */
export function scalarText(n: JsonNode): string {
  switch (n.type) {
    case "string":
      return JSON.stringify(n.value);
    case "number":
      return n.raw;
    case "boolean":
      return String(n.value);
    case "null":
      return "null";
    default:
      return preview(n);
  }
}

/** `n` as indented JSON, keys in their order and numbers as written (Raw's pretty view). */
export function prettyJson(n: JsonNode, indent = "  "): string {
  const out: string[] = [];
  const write = (node: JsonNode, pad: string) => {
    if (node.type === "object" || node.type === "array") {
      const open = node.type === "object" ? "{" : "[";
      const close = node.type === "object" ? "}" : "]";
      const items = children(node);
      if (items.length === 0) {
        out.push(open + close);
        return;
      }
      const inner = pad + indent;
      out.push(`${open}\n`);
      items.forEach((child, i) => {
        out.push(inner);
        if (node.type === "object") out.push(`${JSON.stringify(child.label)}: `);
        write(child.node, inner);
        out.push(i < items.length - 1 ? ",\n" : "\n");
      });
      out.push(pad + close);
      return;
    }
    out.push(scalarText(node));
  };
  write(n, "");
  return out.join("");
}

/** A step into a JSON value: an object key or an array index. */
export type PathStep = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The JSONPath of a value: `$.data.repository`, `$.items[0]`, `$["a key"]`. */
export function jsonPath(steps: PathStep[]): string {
  return (
    "$" +
    steps
      .map((s) => (typeof s === "number" ? `[${s}]` : IDENTIFIER.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`))
      .join("")
  );
}

/** What "Copy value" copies: a string's text itself, any other value as JSON. */
export const valueText = (n: JsonNode): string => (n.type === "string" ? n.value : prettyJson(n));
