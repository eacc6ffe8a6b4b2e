import type { ProxyHandler, Variant } from '../variants/types';
import { PAYMENT, postPaymentEvent } from './events';
import type { Shot } from './runner';

/** Fresh containers that each replay every key once in `replay-cold`. */
export const COLD_REPLAY_CONTAINERS = 3;

/** Replays per key in `replay-warm`. */
export const WARM_REPLAYS_PER_KEY = 10;

export const SCENARIO_IDS = ['first', 'replay-cold', 'replay-warm', 'storm', 'mixed'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export const SCENARIO_TITLES: Record<ScenarioId, string> = {
  first: 'first executions (unique keys)',
  'replay-cold': `replays of completed keys, cold cache (another container completed them; ${COLD_REPLAY_CONTAINERS} fresh containers replay each key once)`,
  'replay-warm': `replays of completed keys, warm (this container completed them; each key replayed ${WARM_REPLAYS_PER_KEY} times)`,
  storm: 'duplicate storm: 32 identical requests per key',
  mixed: 'mixed: 80% new keys, 20% retries of keys another container completed',
};

/**
 * Scenarios the unsafe baseline sits out: it has no replays (every retry charges again), so its
 * figures there would be first executions under another name, and cost the run the most time.
 */
export const WITHOUT_BASELINE: readonly ScenarioId[] = ['replay-cold', 'replay-warm'];

/** Requests on one key in a storm: a burst as a client fleet retrying after a timeout sends it. */
export const STORM_BURST = 32;

export interface ScenarioPlan {
  /** Untimed, before the timed shots: completes the keys that will be replayed. */
  prepare: Shot[];
  shots: Shot[];
}

export interface PlanInput {
  variant: Variant;
  /** The variant's long-lived instance: a warm container. */
  warm: ProxyHandler;
  requests: number;
  /** Makes keys unique across runs. */
  tag: string;
}

/** What each scenario sends, and to which handler instance (container). */
export function planScenario(id: ScenarioId, { variant, warm, requests, tag }: PlanInput): ScenarioPlan {
  const key = (i: number) => `${tag}-${i}`;
  const event = (i: number) => postPaymentEvent(key(i), PAYMENT);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  switch (id) {
    case 'first':
      return { prepare: [], shots: range(requests).map((i) => ({ handler: warm, event: event(i) })) };
    case 'replay-cold': {
      // More samples of a cheap path for the price of one prepare: each fresh container starts cold.
      const other = variant.newInstance();
      const fresh = range(COLD_REPLAY_CONTAINERS).map(() => variant.newInstance());
      return {
        prepare: range(requests).map((i) => ({ handler: other, event: event(i) })),
        shots: range(requests * COLD_REPLAY_CONTAINERS).map((i) => ({ handler: fresh[Math.floor(i / requests)]!, event: event(i % requests) })),
      };
    }
    case 'replay-warm':
      // Each costs microseconds: ten replays per key give the timer something to measure.
      return {
        prepare: range(requests).map((i) => ({ handler: warm, event: event(i) })),
        shots: range(requests * WARM_REPLAYS_PER_KEY).map((i) => ({ handler: warm, event: event(i % requests) })),
      };
    case 'storm':
      return { prepare: [], shots: range(requests).map((i) => ({ handler: warm, event: event(Math.floor(i / STORM_BURST)) })) };
    case 'mixed': {
      // A retry lands on whichever container is free: here, not the one that completed the key.
      const other = variant.newInstance();
      const retries = Math.round(requests / 5);
      let nextRetry = 0;
      let nextNew = retries;
      const shots = range(requests).map((i) =>
        i % 5 === 4 && nextRetry < retries ? { handler: warm, event: event(nextRetry++) } : { handler: warm, event: event(nextNew++) },
      );
      return { prepare: range(retries).map((i) => ({ handler: other, event: event(i) })), shots };
    }
  }
}
