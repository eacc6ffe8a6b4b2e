/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { TimelineEvent } from '../timeline';
import type { KeyView, OrderView } from '../tracker';
import type { BrowserLine, Tone } from './journal';

export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

export const money = (amount: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);

/** The first 8 characters of a key: enough to tell two apart on screen. */
export const short = (id: string) => id.slice(0, 8);

export function renderOrder({ order, functionTimeoutSeconds }: OrderView): void {
  element('order-id').textContent = order.id;
  element('order-item').textContent = order.description;
  element('order-total').textContent = money(order.amount, order.currency);
  element('order-key').textContent = order.idempotencyKey;
  for (const span of document.querySelectorAll('.timeout')) span.textContent = String(functionTimeoutSeconds);
}

export function setStatus(text: string, tone?: Tone): void {
  const status = element('status');
  if (status.textContent !== text) status.textContent = text;
  if (tone) status.dataset.tone = tone;
  else delete status.dataset.tone;
}

export function renderCharges(count: number): void {
  const shown = element('charge-count');
  if (shown.textContent !== String(count)) shown.textContent = String(count);
  const charges = element('charges');
  if (count > 1) charges.dataset.tone = 'bad';
  else delete charges.dataset.tone;
}

function describeKey(key: KeyView): string {
  const whose = key.ordersOwnKey ? "this order's key" : 'a key the page made up';
  const claims = key.claims > 1 ? `, claimed ${key.claims} times (${key.claims - 1} takeover${key.claims > 2 ? 's' : ''})` : '';
  const charge = key.chargeId ? `, charge ${key.chargeId}` : ', no charge';
  return `Key ${short(key.key)} (${whose}): ${key.state}${claims}${charge}.`;
}

export function renderRecords(keys: KeyView[]): void {
  const list = element('records');
  const texts = keys.length === 0 ? ['No request yet.'] : keys.map(describeKey);
  if ([...list.children].map((item) => item.textContent).join('\n') === texts.join('\n')) return;
  list.replaceChildren(
    ...texts.map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }),
  );
}

const ACTOR_LABEL: Record<string, string> = {
  browser: 'Browser',
  api: 'API',
  record: 'Record',
  processor: 'Card',
  fault: 'Fault',
  recovery: 'Recovery',
};

interface Entry {
  id: string;
  atEpochMs: number;
  actor: string;
  text: string;
  tone?: Tone;
}

/**
 * The merged timeline, oldest first. New entries are inserted where they belong, never the
 * whole list redrawn, so a screen reader hears each line once, as it arrives.
 */
export class TimelineView {
  private readonly shown: Array<{ entry: Entry; item: HTMLLIElement }> = [];
  private readonly ids = new Set<string>();

  constructor(
    private readonly list: HTMLOListElement,
    private readonly originEpochMs: number,
  ) {}

  update(events: TimelineEvent[], lines: BrowserLine[]): void {
    const entries: Entry[] = [
      ...events.map((event) => ({ id: `s${event.seq}`, atEpochMs: event.atEpochMs, actor: event.actor, text: event.text })),
      ...lines.map((line) => ({ id: line.id, atEpochMs: line.atEpochMs, actor: 'browser', text: line.text, ...(line.tone ? { tone: line.tone } : {}) })),
    ];
    for (const entry of entries) if (!this.ids.has(entry.id)) this.insert(entry);
  }

  private insert(entry: Entry): void {
    this.ids.add(entry.id);
    const item = document.createElement('li');
    item.className = 'entry';
    if (entry.tone) item.dataset.tone = entry.tone;
    const time = document.createElement('time');
    time.dateTime = new Date(entry.atEpochMs).toISOString();
    time.textContent = `+${(Math.max(0, entry.atEpochMs - this.originEpochMs) / 1000).toFixed(2)} s`;
    const actor = document.createElement('span');
    actor.className = `actor actor-${entry.actor}`;
    actor.textContent = ACTOR_LABEL[entry.actor] ?? entry.actor;
    const text = document.createElement('span');
    text.textContent = entry.text;
    item.append(time, actor, text);

    // Stable among equal times: a later arrival goes after what is already shown.
    let at = this.shown.length;
    while (at > 0 && this.shown[at - 1]!.entry.atEpochMs > entry.atEpochMs) at--;
    this.list.insertBefore(item, this.shown[at]?.item ?? null);
    this.shown.splice(at, 0, { entry, item });
  }
}
