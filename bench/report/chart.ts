import type { Cell } from '../load/matrix';
import { SCENARIO_IDS } from '../load/scenarios';
import type { VariantName } from '../variants/types';

const COLORS: Record<VariantName, string> = { baseline: '#9e9e9e', powertools: '#e8833a', ours: '#2b6cb0' };
const LABELS: Record<VariantName, string> = { baseline: 'no idempotency (unsafe)', powertools: 'Powertools', ours: 'ours' };
const VARIANTS: VariantName[] = ['baseline', 'powertools', 'ours'];

const W = 1100;
const PANEL_H = 250;
const LEFT = 70;
const RIGHT = 20;
const TOP = 50;
const GAP = 95;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Panel {
  title: string;
  value: (cell: Cell) => number;
}

/**
 * Grouped bars, one group per (scenario, concurrency), one bar per variant, on a log scale:
 * throughput on top, p99 latency below. Plain SVG written by hand, no chart library.
 */
export function renderChart(cells: Cell[], concurrencies: number[], subtitle: string): string {
  const groups = SCENARIO_IDS.flatMap((scenario) => concurrencies.map((concurrency) => ({ scenario, concurrency })));
  const panels: Panel[] = [
    { title: 'Throughput, API requests per second (log scale, higher is better)', value: (c) => c.throughputRps },
    { title: 'p99 latency, ms (log scale, lower is better)', value: (c) => c.p99Ms },
  ];
  const height = TOP + panels.length * (PANEL_H + GAP) + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">POST /payments on DynamoDB Local: no idempotency vs Powertools vs ours</text>`,
    `<text x="${LEFT}" y="37" fill="#555">${escape(subtitle)}</text>`,
  ];
  VARIANTS.forEach((v, i) => {
    const x = W - RIGHT - 480 + i * 165;
    parts.push(`<rect x="${x}" y="28" width="12" height="12" fill="${COLORS[v]}"/><text x="${x + 16}" y="38">${LABELS[v]}</text>`);
  });
  panels.forEach((panel, p) => parts.push(...renderPanel(panel, cells, groups, TOP + 20 + p * (PANEL_H + GAP))));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function renderPanel(panel: Panel, cells: Cell[], groups: { scenario: string; concurrency: number }[], top: number): string[] {
  const values = cells.map(panel.value).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const y = (v: number) => top + PANEL_H - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL_H;
  const plotW = W - LEFT - RIGHT;
  const groupW = plotW / groups.length;
  const barW = (groupW - 10) / VARIANTS.length;
  const out = [`<text x="${LEFT}" y="${top - 8}" font-size="12" font-weight="bold">${escape(panel.title)}</text>`];
  for (let tick = lo; tick <= hi; tick *= 10) {
    out.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${tick}</text>`);
  }
  groups.forEach((g, i) => {
    const x0 = LEFT + i * groupW + 5;
    VARIANTS.forEach((v, j) => {
      const cell = cells.find((c) => c.scenario === g.scenario && c.concurrency === g.concurrency && c.variant === v);
      if (!cell) return;
      const value = panel.value(cell);
      const yTop = y(value);
      out.push(
        `<rect x="${(x0 + j * barW).toFixed(1)}" y="${yTop.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(top + PANEL_H - yTop).toFixed(1)}" fill="${COLORS[v]}"><title>${escape(`${g.scenario}, concurrency ${g.concurrency}, ${v}: ${value}`)}</title></rect>`,
      );
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
