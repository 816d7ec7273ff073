import { parseArgs } from 'node:util';

/** What the operator commands share: a `--limit N` option, row ids as arguments, aligned columns. */

export const limitOption = { limit: { type: 'string', default: '100' } } as const;

/** The `--limit` value as a positive whole number, or undefined (and a message) when it is not one. */
export function parseLimit(raw: string): number | undefined {
  const limit = Number(raw);
  if (Number.isInteger(limit) && limit >= 1) return limit;
  console.error('--limit must be a positive whole number');
  return undefined;
}

/** The row ids given as arguments, or undefined (and a message naming what they should be) when one is not an id. */
export function parseIds(args: readonly string[], what: string): number[] | undefined {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true });
  const bad = positionals.filter((p) => !/^[1-9]\d*$/.test(p));
  if (bad.length === 0) return positionals.map(Number);
  console.error(`Not ${what} ids: ${bad.join(', ')}`);
  return undefined;
}

/** Left-aligned columns under a header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `2026-11-26 00:31:12Z`: second precision is enough for an operator. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
