import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, isAlive } from '../../local/dynamodb-local';
import { postPayment } from '../helpers/local-mode-process';

const ROOT = resolve(__dirname, '../..');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` without npm: the same `node --import tsx local/main.ts`, so signals reach it directly. */
function startLocalMode(env: Record<string, string>): Running {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // The run's DynamoDB Local must not be used: this test is about the embedded one.
  if (!('DYNAMODB_ENDPOINT' in env)) delete childEnv.DYNAMODB_ENDPOINT;
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}

async function waitForBanner(running: Running): Promise<{ url: string; javaPid: number }> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const url = /Local mode listening on (http:\/\/\S+)/.exec(running.output())?.[1];
    const javaPid = /java pid (\d+)/.exec(running.output())?.[1];
    if (url && javaPid) return { url, javaPid: Number(javaPid) };
    if (running.child.exitCode !== null) throw new Error(`local mode exited early:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`local mode did not start:\n${running.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


/** The dev key local mode printed in its banner (`export PAYMENTS_SECRET_KEY=…`), when this start made one. */
const printedDevKey = (output: string) => /export PAYMENTS_SECRET_KEY=(sk_test_\w+)/.exec(output)?.[1];

describe('local mode: `npm start` end to end', () => {
  let dataDir: string;
  const started: Running[] = [];
  const javaPids: number[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'local-main-'));
  });
  afterAll(async () => {
    // SIGTERM first: a SIGKILL of the tsx CLI would orphan local mode (it notices, but only after a
    // moment), and the orphan would hold this worker's pipes open.
    for (const running of started) {
      if (running.child.exitCode !== null || running.child.signalCode !== null) continue;
      running.child.kill('SIGTERM');
      const exited = await Promise.race([running.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!exited) running.child.kill('SIGKILL');
    }
    // A failed test must not leave its DynamoDB Local behind; only our own pids are touched.
    for (const pid of javaPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(port: number) {
    const running = startLocalMode({ PORT: String(port), LOCAL_DATA_DIR: dataDir });
    started.push(running);
    const banner = await waitForBanner(running);
    javaPids.push(banner.javaPid);
    return { running, ...banner };
  }

  it('serves payments with the dev key it printed, stops java on SIGTERM, and after a restart keeps that key and replays the payment', async () => {
    const port = await freePort();
    const first = await start(port);
    // No LOCAL_API_KEYS: the first start makes local-dev's dev key and prints it, once.
    const devKey = printedDevKey(first.running.output());
    expect(devKey).toMatch(/^sk_test_[0-9A-Za-z]{48}$/);
    expect(first.running.output().split(devKey!).length).toBe(2);
    expect(first.running.output()).toMatch(/Keys {8}tenant local-dev: dev key key_\w+ \(made by this start/);
    const refused = await postPayment(first.url, 'restart-order-0', undefined, 'Bearer sk_test_0000000000000000000000000000000000000000000000000');
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const withXApiKey = await fetch(`${first.url}/payments`, { headers: { 'x-api-key': 'local-dev' } });
    expect(withXApiKey.status).toBe(401);
    const created = await postPayment(first.url, 'restart-order-1', undefined, `Bearer ${devKey}`);
    const createdBody = await created.text();
    expect(created.status).toBe(201);

    first.running.child.kill('SIGTERM');
    expect(await first.running.exited).toBe(0);
    expect(isAlive(first.javaPid)).toBe(false);

    const second = await start(port);
    expect(second.running.output()).toMatch(/table idempotent-payments \(existing\)/);
    // The key is kept in the data folder (its hash): not made again, not printed again, still valid.
    expect(printedDevKey(second.running.output())).toBeUndefined();
    expect(second.running.output()).not.toContain(devKey);
    expect(second.running.output()).toMatch(/dev key key_\w+ \(made by an earlier start/);
    const replayed = await postPayment(second.url, 'restart-order-1', undefined, `Bearer ${devKey}`);

    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.text()).toBe(createdBody);
    second.running.child.kill('SIGTERM');
    expect(await second.running.exited).toBe(0);
    expect(isAlive(second.javaPid)).toBe(false);
  }, 120_000); // two Java startups: about 15 s on an idle machine, much more under a parallel test run

  it('exits non-zero with a clear message when the port is taken, before starting java', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const running = startLocalMode({ PORT: String(port), LOCAL_DATA_DIR: dataDir });
      started.push(running);

      expect(await running.exited).toBe(1);
      expect(running.output()).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
      expect(running.output()).not.toMatch(/Starting DynamoDB Local/);
    } finally {
      blocker.close();
    }
  });

  it('exits non-zero naming the variable when the configuration is invalid', async () => {
    const running = startLocalMode({ PORT: '0', FUNCTION_TIMEOUT_SECONDS: 'ten', LOCAL_DATA_DIR: dataDir });
    started.push(running);

    expect(await running.exited).toBe(1);
    expect(running.output()).toMatch(/configuration error: FUNCTION_TIMEOUT_SECONDS must be an integer from 1 to 900, got "ten"/);
  });
});
