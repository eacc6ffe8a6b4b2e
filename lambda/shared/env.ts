/**
 * The one reader of environment variables, for the function (lambda/payments/config.ts), local
 * mode (local/settings.ts) and the benchmark (bench/config.ts): each setting typed, bounded and
 * defaulted where it is declared, and a bad value refused at start with its name, never NaN.
 */
export type Env = Record<string, string | undefined>;

/** A setting that cannot be used: the message names it and what it accepts. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A number from `min` to `max` (an integer when `integer`), or `fallback` when unset or blank. */
export function numberFromEnv(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ConfigError(`${name} must be ${kind} from ${min} to ${max}, got "${env[name]}"`);
  }
  return value;
}

/** 1/true/yes or 0/false/no (any case); unset or blank is false. */
export function flagFromEnv(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be 1/true/yes or 0/false/no, got "${env[name]}"`);
}

/** An http:// or https:// URL, or undefined when unset or blank. */
export function urlFromEnv(env: Env, name: string, example: string): URL | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL such as ${example}, got "${raw.slice(0, 100)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http:// or https:// URL, got "${raw.slice(0, 100)}"`);
  return url;
}
