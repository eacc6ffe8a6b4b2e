/**
 * `Retry-After` in ms (RFC 9110: delay-seconds or an HTTP-date), or undefined when absent or not
 * understood. A date in the past means "now": 0.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowEpochMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateEpochMs = Date.parse(text);
  if (!/[a-z]/i.test(text) || Number.isNaN(dateEpochMs)) return undefined;
  return Math.max(0, dateEpochMs - nowEpochMs);
}
