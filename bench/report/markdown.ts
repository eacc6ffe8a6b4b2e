/** A GitHub-flavoured Markdown table; numbers are right-aligned. */
export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(headers), line(numeric.map((n) => (n ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

/** `PutItem 2 + TransactWriteItems 1`: DynamoDB requests per API request, by operation. */
export function formatOps(perOp: Record<string, number>): string {
  const entries = Object.entries(perOp).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries.map(([op, n]) => `${op} ${formatNumber(n)}`).join(' + ');
}

export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const fixed = value.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** `×0.93`: a ratio, with the better side marked by the caller's reading of it. */
export const formatRatio = (value: number) => `×${formatNumber(value)}`;

export const formatOutcomes = (outcomes: Record<string, number>) =>
  Object.entries(outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, n]) => `${outcome}: ${n}`)
    .join(', ');
