import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ProxyHandler, Variant } from '../variants';
import { PAYMENT, postPaymentEvent } from './events';

/** Fresh containers that each replay every key once in `replay-cold`. */
export const COLD_REPLAY_CONTAINERS = 3;
/** Replays per key in `replay-warm`: each costs microseconds, so ten give the timer something to measure. */
export const WARM_REPLAYS_PER_KEY = 10;
/** Requests on one key in a storm: a burst as a client fleet retrying after a timeout sends it. */
export const STORM_BURST = 32;

export const SCENARIO_TITLES = {
  first: 'first executions (unique keys)',
  'replay-cold': `replays of completed keys, cold cache (another container completed them; ${COLD_REPLAY_CONTAINERS} fresh containers replay each key once)`,
  'replay-warm': `replays of completed keys, warm (this container completed them; each key replayed ${WARM_REPLAYS_PER_KEY} times)`,
  storm: `duplicate storm: ${STORM_BURST} identical requests per key`,
  mixed: 'mixed: 80% new keys, 20% retries of keys another container completed',
} as const;
export type ScenarioId = keyof typeof SCENARIO_TITLES;
export const SCENARIO_IDS = Object.keys(SCENARIO_TITLES) as ScenarioId[];

/** The unsafe baseline has no replays (every retry charges again): there its figures would be first executions under another name. */
export const runsIn = (variant: Variant, scenario: ScenarioId) => variant.name !== 'baseline' || !scenario.startsWith('replay');

/** One API request: which handler instance (container) receives which event. */
export interface Shot {
  handler: ProxyHandler;
  event: APIGatewayProxyEvent;
}

/**
 * What a scenario sends, and to which instance: `prepare` (untimed) completes the keys to be
 * replayed, `shots` are timed. `warm` is the variant's long-lived instance; `tag` makes keys unique.
 */
export function planScenario(id: ScenarioId, variant: Variant, warm: ProxyHandler, requests: number, tag: string): { prepare: Shot[]; shots: Shot[] } {
  const event = (i: number) => postPaymentEvent(`${tag}-${i}`, PAYMENT);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const on = (handler: ProxyHandler) => (i: number) => ({ handler, event: event(i) });
  switch (id) {
    case 'first':
      return { prepare: [], shots: range(requests).map(on(warm)) };
    case 'replay-cold': {
      const fresh = range(COLD_REPLAY_CONTAINERS).map(() => variant.newInstance());
      const shots = range(requests * COLD_REPLAY_CONTAINERS).map((i) => on(fresh[Math.floor(i / requests)]!)(i % requests));
      return { prepare: range(requests).map(on(variant.newInstance())), shots };
    }
    case 'replay-warm':
      return { prepare: range(requests).map(on(warm)), shots: range(requests * WARM_REPLAYS_PER_KEY).map((i) => on(warm)(i % requests)) };
    case 'storm':
      return { prepare: [], shots: range(requests).map((i) => on(warm)(Math.floor(i / STORM_BURST))) };
    case 'mixed': {
      // A retry lands on whichever container is free: here, not the one that completed the key.
      const retries = Math.round(requests / 5);
      let [nextRetry, nextNew] = [0, retries];
      const shots = range(requests).map((i) => on(warm)(i % 5 === 4 && nextRetry < retries ? nextRetry++ : nextNew++));
      return { prepare: range(retries).map(on(variant.newInstance())), shots };
    }
  }
}
