/** A column: its header and how to read its cell from one result object. */
export type Column<T> = [header: string, cell: (item: T) => string | number];

/** The one Markdown writer: a GitHub-flavoured table of `items`; a column whose cells are all numbers is right-aligned. */
export function table<T>(items: readonly T[], columns: Column<T>[]): string {
  const cells = items.map((item) => columns.map(([, cell]) => cell(item)));
  const align = columns.map((_, i) => (cells.length > 0 && cells.every((row) => typeof row[i] === 'number') ? '---:' : '---'));
  const line = (row: (string | number)[]) => `| ${row.join(' | ')} |`;
  return [line(columns.map(([header]) => header)), line(align), ...cells.map(line)].join('\n');
}

/** At most `digits` decimals, trailing zeros dropped. */
export function num(value: number, digits = 2): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const fixed = value.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

export const ratio = (value: number) => `×${num(value)}`;
