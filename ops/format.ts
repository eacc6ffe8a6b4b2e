/** Text helpers for the readable output; --json never goes through them. */

export const iso = (epochMs: number | undefined): string => (epochMs === undefined ? '-' : new Date(epochMs).toISOString());

/** A length of time an operator reads at a glance: "850 ms", "3.2 s", "4 min 10 s", "2 d 3 h". */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(abs / 1_000).toFixed(1)} s`;
  const unit = (size: number, name: string, nextSize: number, nextName: string) =>
    `${Math.floor(abs / size)} ${name} ${Math.floor((abs % size) / nextSize)} ${nextName}`;
  if (abs < 3_600_000) return unit(60_000, 'min', 1_000, 's');
  if (abs < 86_400_000) return unit(3_600_000, 'h', 60_000, 'min');
  return unit(86_400_000, 'd', 3_600_000, 'h');
}

/** "3.2 s ago" or "in 3.2 s", relative to now. */
export const relative = (epochMs: number, nowMs: number): string =>
  epochMs <= nowMs ? `${duration(nowMs - epochMs)} ago` : `in ${duration(epochMs - nowMs)}`;

/** The body as a value: parsed when it is JSON (so --json output nests it), else the text. */
export function bodyValue(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** The body for a terminal: indented JSON when it is JSON. */
export function prettyBody(body: string): string {
  const value = bodyValue(body);
  return typeof value === 'string' ? printable(value) : printable(JSON.stringify(value, null, 2), true);
}

/**
 * Tenants, keys and bodies come from callers: control characters (ANSI escapes among them) are
 * shown escaped, so nothing stored can move the cursor or recolour an operator's terminal.
 */
export function printable(text: string, keepNewlines = false): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (keepNewlines && c === '\n' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** "Label  value" lines with the values aligned; a multi-line value is indented under its first line. */
export function fields(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows
    .map(([label, value]) => `${label.padEnd(width)}${value.split('\n').join(`\n${' '.repeat(width)}`)}`)
    .join('\n');
}

/** A table with a header row and columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
