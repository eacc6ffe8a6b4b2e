import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localApiKeys } from '../helpers/test-keys';
import { postPayment } from '../helpers/local-mode-process';
import { isAlive, waitUntilGone } from '../../local/dynamodb-local';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Local mode as its own node process: `node --import tsx local/main.ts`, so the child's pid is the
 * process that runs main.ts (the `tsx` CLI would put a second node process in between).
 */
function startLocalMode(dataDir: string, via: 'node' | 'tsx-cli' = 'node'): Running {
  // local-dev's test key, so postPayment works without reading the banner.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOCAL_DATA_DIR: dataDir, LOCAL_API_KEYS: localApiKeys('local-dev') };
  // The run's DynamoDB Local must not be used: this test is about the embedded one.
  delete env.DYNAMODB_ENDPOINT;
  // `tsx-cli` is what `npm start` runs: the tsx CLI, which starts local mode as its own child.
  const [command, args] = via === 'node' ? [process.execPath, ['--import', 'tsx', 'local/main.ts']] : [TSX, ['local/main.ts']];
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}

async function waitForBanner(running: Running): Promise<{ url: string; pid: number; javaPid: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [, url, pid] = /Local mode listening on (http:\/\/\S+) \(pid (\d+)/.exec(running.output()) ?? [];
    const javaPid = /java pid (\d+)/.exec(running.output())?.[1];
    if (url && pid && javaPid) return { url, pid: Number(pid), javaPid: Number(javaPid) };
    if (running.child.exitCode !== null) throw new Error(`local mode exited early:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`local mode did not start:\n${running.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}



function parentPid(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)]).toString().trim());
}

const createPayment = (url: string, key: string) => postPayment(url, key);

describe('local mode: the embedded DynamoDB Local never outlives it', () => {
  let dataDir: string;
  const started: Running[] = [];
  const ownPids: number[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'local-lifecycle-'));
  });
  afterEach(async () => {
    for (const running of started.splice(0)) {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGTERM');
        await running.exited;
      }
    }
    // A failed test must not leave local mode or its DynamoDB Local behind; only our own pids are touched.
    for (const pid of ownPids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(via: 'node' | 'tsx-cli' = 'node') {
    const running = startLocalMode(dataDir, via);
    started.push(running);
    const banner = await waitForBanner(running);
    ownPids.push(banner.javaPid, banner.pid);
    return { running, ...banner };
  }

  it('stops java when local mode is killed with SIGKILL, and a restart on the same data finds it', async () => {
    const first = await start();
    const created = await createPayment(first.url, 'sigkill-order-1');
    const createdBody = await created.text();
    expect(created.status).toBe(201);

    first.running.child.kill('SIGKILL');
    await first.running.exited;

    expect(await waitUntilGone(first.javaPid, 5_000)).toBe(true);
    const second = await start();
    expect(second.running.output()).toMatch(/table idempotent-payments \(existing\)/);
    const replayed = await createPayment(second.url, 'sigkill-order-1');
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.text()).toBe(createdBody);
  }, 120_000);

  it('stops when its DynamoDB Local dies after whoever read its output has gone (no spinning on EPIPE)', async () => {
    const orphan = await start();
    // The reader of its stdout and stderr goes away, as when the parent that started it is killed.
    orphan.running.child.stdout!.destroy();
    orphan.running.child.stderr!.destroy();
    process.kill(orphan.javaPid, 'SIGKILL');
    // It says why it stops (a write that fails with EPIPE) and exits; it used to loop on that error.
    expect(await waitUntilGone(orphan.pid, 15_000)).toBe(true);
  }, 120_000);

  it('stops, java and all, when the tsx CLI that `npm start` runs is killed with SIGKILL', async () => {
    const first = await start('tsx-cli');
    expect(first.pid).not.toBe(first.running.child.pid); // local mode runs in the tsx CLI's child

    first.running.child.kill('SIGKILL');
    await first.running.exited;

    expect(await waitUntilGone(first.pid, 5_000)).toBe(true);
    expect(await waitUntilGone(first.javaPid, 5_000)).toBe(true);
  }, 120_000);

  it('stops a java left on the same data folder by an earlier run before starting its own', async () => {
    const first = await start();
    expect(await (await createPayment(first.url, 'stale-order-1')).text()).toMatch(/"status":"succeeded"/);
    // Kill local mode and whatever stands between it and java at once: nothing is left to stop
    // java, which is what an older version of local mode (or a killed process group) leaves behind.
    const between: number[] = [];
    for (let pid = parentPid(first.javaPid); pid !== first.running.child.pid && pid > 1; pid = parentPid(pid)) between.push(pid);
    // The watchdog first, so it cannot see local mode die.
    for (const pid of [...between, first.running.child.pid!]) process.kill(pid, 'SIGKILL');
    await first.running.exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(first.javaPid)).toBe(true);

    const second = await start();

    expect(isAlive(first.javaPid)).toBe(false);
    expect(second.running.output()).toMatch(new RegExp(`stopped DynamoDB Local \\(java pid ${first.javaPid}\\) left running`, 'i'));
    const replayed = await createPayment(second.url, 'stale-order-1');
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  }, 120_000);

  it('refuses to start a second DynamoDB Local on a data folder a running local mode is using', async () => {
    const first = await start();

    const second = startLocalMode(dataDir);
    started.push(second);

    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(new RegExp(`in use by DynamoDB Local \\(java pid ${first.javaPid}\\) of another local mode \\(pid ${first.running.child.pid}\\)`));
    expect(isAlive(first.javaPid)).toBe(true);
    expect((await createPayment(first.url, 'still-served')).status).toBe(201);
  }, 120_000);

  it('stops java when local mode exits on SIGTERM, removing its pid file', async () => {
    const first = await start();
    first.running.child.kill('SIGTERM');

    expect(await first.running.exited).toBe(0);
    expect(isAlive(first.javaPid)).toBe(false);
    expect(execFileSync('ls', ['-A', dataDir]).toString()).not.toMatch(/\.pid/);
  }, 120_000);
});
