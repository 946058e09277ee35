// Reads one declaration out of a generated bindings file (imported with `?raw`), so tests can
// check the UI's lists against the Rust types they mirror.
export function declaration(source: string, name: string): string {
  const start = source.indexOf(`export type ${name} = `);
  if (start < 0) throw new Error(`${name} is not declared in the bindings`);
  const next = source.indexOf("\nexport type ", start + 1);
  return source.slice(start, next < 0 ? undefined : next);
}
