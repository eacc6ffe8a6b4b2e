import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureOutput } from './log-capture';
import { bearerFor, localApiKeys } from './test-keys';

export const ROOT = resolve(__dirname, '../..');

/** Local mode (`npm start`) as a real child process, to be killed with SIGKILL like a crashed host. */
export interface LocalModeProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
  /** The URL from its banner, once it is listening. */
  url: () => Promise<string>;
  kill9: () => Promise<void>;
}

const running = new Set<LocalModeProcess>();

/**
 * `node --import tsx local/main.ts` as one process: the tsx CLI would run main.ts in a child of
 * its own, and a SIGKILL of the CLI would leave that child serving. Same code, one pid. Its keys
 * are the test key of `local-dev` (LOCAL_API_KEYS, which `env` may replace), so postPayment
 * works without reading a banner.
 */
export function startLocalMode(env: Record<string, string>): LocalModeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOCAL_API_KEYS: localApiKeys('local-dev'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    captureOutput(chunk, 'local mode');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const handle: LocalModeProcess = {
    child,
    output: () => output,
    exited,
    url: async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const url = /Local mode listening on (http:\/\/\S+)/.exec(output)?.[1];
        if (url) return url;
        if (!alive()) throw new Error(`local mode exited early:\n${output}`);
        if (Date.now() > deadline) throw new Error(`local mode did not start within 30 s:\n${output}`);
        await sleep(100);
      }
    },
    kill9: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
      running.delete(handle);
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** For afterAll: no local mode a test started outlives it, whatever happened. */
export async function killAllLocalModes(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill9()));
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** POST /payments over HTTP, as a client would; as `local-dev` with its test key unless told otherwise. */
export const postPayment = (url: string, key: string, body: unknown = { amount: 1000, currency: 'usd', source: 'tok_visa' }, authorization = bearerFor('local-dev')) =>
  fetch(`${url}/payments`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
