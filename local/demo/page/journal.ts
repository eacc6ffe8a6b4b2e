/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

export type Tone = 'good' | 'bad';

/** One line of what the browser did or heard. */
export interface BrowserLine {
  id: string;
  atEpochMs: number;
  text: string;
  tone?: Tone;
}

const MAX_LINES = 300;
const linesKey = (orderId: string) => `demo:journal:${orderId}`;
const payingKey = (orderId: string) => `demo:paying:${orderId}`;

/**
 * The browser's side of the timeline, kept in this tab's sessionStorage so that a reload keeps
 * what the page did before it. (The order and its key are not kept here: they are the server's.)
 */
export class Journal {
  private frozen = false;

  constructor(private readonly orderId: string) {}

  lines(): BrowserLine[] {
    try {
      return JSON.parse(sessionStorage.getItem(linesKey(this.orderId)) ?? '[]') as BrowserLine[];
    } catch {
      return [];
    }
  }

  add(text: string, tone?: Tone): void {
    if (this.frozen) return;
    const lines = this.lines();
    lines.push({ id: `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, atEpochMs: Date.now(), text, ...(tone ? { tone } : {}) });
    sessionStorage.setItem(linesKey(this.orderId), JSON.stringify(lines.slice(-MAX_LINES)));
  }

  /** From now on nothing is written: the page is going away, and what it hears while leaving is not news. */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Whether a payment of this order was started in this tab and its outcome not yet heard. A
   * reload in the middle of paying finds it set, and asks again with the same key.
   */
  get paying(): boolean {
    return sessionStorage.getItem(payingKey(this.orderId)) !== null;
  }

  set paying(value: boolean) {
    if (value) sessionStorage.setItem(payingKey(this.orderId), String(Date.now()));
    else if (!this.frozen) sessionStorage.removeItem(payingKey(this.orderId));
  }
}
