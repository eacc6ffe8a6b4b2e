/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { OrderView } from '../tracker';
import { createOrder, loadOrder } from './api';
import * as cases from './cases';
import { Journal, type Tone } from './journal';
import { element, money, renderCharges, renderOrder, renderRecords, setStatus, short, TimelineView } from './view';

/** How often the page reads the order's timeline and record from the server. */
const POLL_INTERVAL_MS = 300;

const BUTTONS = ['pay', 'double', 'refresh', 'lose', 'crash', 'mismatch', 'new-order'] as const;
type ButtonId = (typeof BUTTONS)[number];

/**
 * The order in the address, or a new one. The page keeps nothing else of the order: its key is
 * the server's, so a reload (or another process) finds the same key (integration guide, step 1).
 */
async function openOrder(): Promise<{ view: OrderView; journal: Journal }> {
  const requested = new URLSearchParams(location.search).get('order');
  const known = requested ? await loadOrder(requested) : undefined;
  if (known) {
    const journal = new Journal(known.order.id);
    // A reload in the middle of paying says so itself, when it resumes.
    if (!journal.paying) journal.add(`The page loaded order ${known.order.id} from the server, and with it the order's key, ${short(known.order.idempotencyKey)}.`);
    return { view: known, journal };
  }
  const view = await createOrder();
  const journal = new Journal(view.order.id);
  const unknown = requested ? `The server does not know order ${requested} (local mode keeps demo orders in memory: was it restarted?). ` : '';
  journal.add(
    `${unknown}The server created order ${view.order.id} and, with it, the key for its payment, ${short(view.order.idempotencyKey)}. ` +
      "The page keeps the order's id in its address; the key stays with the order, on the server.",
  );
  history.replaceState(null, '', `${location.pathname}?order=${encodeURIComponent(view.order.id)}`);
  return { view, journal };
}

async function boot(): Promise<void> {
  const { view: first, journal } = await openOrder();
  const { order } = first;
  const timeline = new TimelineView(element<HTMLOListElement>('timeline'), order.createdAtEpochMs);
  let latest = first;
  let busy = false;

  const render = (view: OrderView) => {
    latest = view;
    renderCharges(view.charges);
    renderRecords(view.keys);
    timeline.update(view.events, journal.lines());
    setAvailability();
  };
  const refresh = async () => {
    const view = await loadOrder(order.id);
    if (!view) throw new Error(`the server no longer knows order ${order.id}`);
    render(view);
    return view;
  };
  const status = (text: string, tone?: Tone) => {
    setStatus(text, tone);
    timeline.update(latest.events, journal.lines());
  };
  const ctx: cases.CaseContext = { order, journal, functionTimeoutSeconds: first.functionTimeoutSeconds, refresh, status };

  /** aria-disabled rather than disabled: a busy button keeps the keyboard focus. */
  function setAvailability(): void {
    for (const id of BUTTONS) {
      const unavailable = busy || !latest.simulated || (id === 'mismatch' && latest.payment === null);
      element(id).setAttribute('aria-disabled', String(unavailable));
    }
  }

  async function run(action: () => Promise<void>): Promise<void> {
    if (busy) return;
    busy = true;
    setAvailability();
    setStatus('Paying…');
    journal.paying = true;
    try {
      await action();
    } catch (error) {
      status(`Something failed in the page: ${(error as Error).message}`, 'bad');
    } finally {
      journal.paying = false;
      busy = false;
      await refresh().catch(() => undefined);
    }
  }

  const actions: Record<ButtonId, () => Promise<void>> = {
    pay: () => run(() => cases.pay(ctx)),
    double: () => run(() => cases.doubleClick(ctx)),
    refresh: () => run(() => cases.reloadWhilePaying(ctx, () => location.reload())),
    lose: () => run(() => cases.loseTheAnswer(ctx)),
    crash: () => run(() => cases.crashTheFunction(ctx)),
    mismatch: () => run(() => cases.sameKeyAnotherAmount(ctx, latest.payment?.id ?? '')),
    'new-order': async () => {
      if (busy) return;
      const next = await createOrder();
      new Journal(next.order.id).add(`New order ${next.order.id}: the server made a new key for it, ${short(next.order.idempotencyKey)}.`);
      location.assign(`${location.pathname}?order=${encodeURIComponent(next.order.id)}`);
    },
  };
  for (const id of BUTTONS) {
    element(id).addEventListener('click', () => {
      if (element(id).getAttribute('aria-disabled') === 'true') return;
      void actions[id]();
    });
  }

  renderOrder(first);
  render(first);
  if (!first.simulated) {
    setStatus('The demo needs the simulated processor: start local mode without PAYMENT_PROCESSOR=stripe.', 'bad');
  } else if (journal.paying) {
    void run(() => cases.resumeAfterReload(ctx));
  } else if (first.payment) {
    setStatus(`Paid: ${first.payment.id}, ${money(order.amount, order.currency)}.`, 'good');
  } else {
    setStatus('Not paid yet.');
  }

  let failing = false;
  setInterval(() => {
    refresh().then(
      () => {
        if (failing) setStatus(busy ? 'Paying…' : 'Local mode answers again.');
        failing = false;
      },
      (error: unknown) => {
        if (!failing) setStatus(`Cannot read the order from local mode: ${(error as Error).message}`, 'bad');
        failing = true;
      },
    );
  }, POLL_INTERVAL_MS);
}

boot().catch((error: unknown) => setStatus(`The demo could not start: ${(error as Error).message}. Is local mode running?`, 'bad'));
