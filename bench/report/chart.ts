import type { Cell } from '../load/matrix';
import { SCENARIO_IDS } from '../load/scenarios';
import { VARIANT_NAMES, type VariantName } from '../variants';

const COLORS: Record<VariantName, string> = { baseline: '#9e9e9e', powertools: '#e8833a', ours: '#2b6cb0' };
const LABELS: Record<VariantName, string> = { baseline: 'no idempotency (unsafe)', powertools: 'Powertools', ours: 'ours' };
const [W, PANEL_H, LEFT, RIGHT, TOP, GAP] = [1100, 250, 70, 20, 50, 95];
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
type Group = { scenario: string; concurrency: number };

/**
 * Grouped bars, one group per (scenario, concurrency), one bar per variant, on a log scale:
 * throughput on top, p99 latency below. Plain SVG written by hand, no chart library.
 */
export function renderChart(cells: Cell[], concurrencies: number[], subtitle: string): string {
  const groups = SCENARIO_IDS.flatMap((scenario) => concurrencies.map((concurrency) => ({ scenario, concurrency })));
  const panels: [string, (cell: Cell) => number][] = [
    ['Throughput, API requests per second (log scale, higher is better)', (c) => c.throughputRps],
    ['p99 latency, ms (log scale, lower is better)', (c) => c.p99Ms],
  ];
  const height = TOP + panels.length * (PANEL_H + GAP) + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">POST /payments on DynamoDB Local: no idempotency vs Powertools vs ours</text>`,
    `<text x="${LEFT}" y="37" fill="#555">${escape(subtitle)}</text>`,
    ...VARIANT_NAMES.map((v, i) => `<rect x="${W - RIGHT - 480 + i * 165}" y="28" width="12" height="12" fill="${COLORS[v]}"/><text x="${W - RIGHT - 464 + i * 165}" y="38">${LABELS[v]}</text>`),
    ...panels.flatMap(([title, value], p) => renderPanel(title, value, cells, groups, TOP + 20 + p * (PANEL_H + GAP))),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function renderPanel(title: string, value: (cell: Cell) => number, cells: Cell[], groups: Group[], top: number): string[] {
  const values = cells.map(value).filter((v) => v > 0);
  const [lo, hi] = [10 ** Math.floor(Math.log10(Math.min(...values))), 10 ** Math.ceil(Math.log10(Math.max(...values)))];
  const y = (v: number) => top + PANEL_H - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL_H;
  const groupW = (W - LEFT - RIGHT) / groups.length;
  const barW = (groupW - 10) / VARIANT_NAMES.length;
  const out = [`<text x="${LEFT}" y="${top - 8}" font-size="12" font-weight="bold">${escape(title)}</text>`];
  for (let tick = lo; tick <= hi; tick *= 10) {
    out.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`, `<text x="${LEFT - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${tick}</text>`);
  }
  groups.forEach((g, i) => {
    const x0 = LEFT + i * groupW + 5;
    VARIANT_NAMES.forEach((v, j) => {
      const cell = cells.find((c) => c.scenario === g.scenario && c.concurrency === g.concurrency && c.variant === v);
      if (!cell) return;
      const yTop = y(value(cell));
      const tip = escape(`${g.scenario}, concurrency ${g.concurrency}, ${v}: ${value(cell)}`);
      out.push(`<rect x="${(x0 + j * barW).toFixed(1)}" y="${yTop.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(top + PANEL_H - yTop).toFixed(1)}" fill="${COLORS[v]}"><title>${tip}</title></rect>`);
    });
    out.push(`<text x="${x0 + (groupW - 10) / 2}" y="${top + PANEL_H + 14}" text-anchor="middle" fill="#333">c=${g.concurrency}</text>`);
    // The first group of each scenario carries its name and a separator line.
    if (groups.findIndex((x) => x.scenario === g.scenario) === i) {
      const span = groups.filter((x) => x.scenario === g.scenario).length * groupW;
      out.push(`<text x="${LEFT + i * groupW + span / 2}" y="${top + PANEL_H + 30}" text-anchor="middle" font-weight="bold">${escape(g.scenario)}</text>`);
      out.push(`<line x1="${LEFT + i * groupW}" x2="${LEFT + i * groupW}" y1="${top}" y2="${top + PANEL_H + 34}" stroke="#bbb"/>`);
    }
  });
  out.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${top + PANEL_H}" y2="${top + PANEL_H}" stroke="#333"/>`);
  return out;
}
