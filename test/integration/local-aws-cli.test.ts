import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from '../helpers/local-server';

interface CliRun {
  exitCode: number;
  /** What the CLI printed: `{StatusCode, ExecutedVersion, FunctionError?}` on success. */
  stdout: string;
  stderr: string;
  /** The function's result, read back from the CLI's output file. */
  result: any;
}

/** The real AWS CLI on the PATH, with dummy credentials and no user configuration. */
function runAws(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return new Promise((resolve) => {
    execFile('aws', args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ exitCode, stdout, stderr });
    });
  });
}

describe('local mode: `aws lambda invoke` against the payments function', () => {
  let server: LocalServer;
  let outDir: string;
  /** CLI v2 needs to be told the payload is raw JSON; v1 (pip) takes it as is and lacks the flag. */
  let payloadFormat: string[];
  let runs = 0;

  beforeAll(async () => {
    const version = await runAws(['--version']);
    payloadFormat = /aws-cli\/2\./.test(version.stdout + version.stderr) ? ['--cli-binary-format', 'raw-in-base64-out'] : [];
    server = await startLocalServer({ label: 'local-cli' });
    outDir = mkdtempSync(join(tmpdir(), 'local-cli-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  async function invoke(payload: unknown, functionName = 'payments'): Promise<CliRun> {
    const outFile = join(outDir, `out-${++runs}.json`);
    const args = ['lambda', 'invoke', '--endpoint-url', server.url, '--function-name', functionName];
    const run = await runAws([...args, ...payloadFormat, '--payload', JSON.stringify(payload), outFile]);
    let result: unknown;
    try {
      result = JSON.parse(readFileSync(outFile, 'utf8'));
    } catch {
      result = undefined;
    }
    return { ...run, result };
  }

  const payment = { amount: 1000, currency: 'usd', source: 'tok_visa' };
  const create = (idempotencyKey: string, body: object = payment, tenant = 'cli-tenant') =>
    invoke({ operation: 'createPayment', idempotencyKey, tenant, payment: body });

  it('creates a payment: the CLI exits 0 and the output file holds a 201-shaped result', async () => {
    const run = await create('cli-create-1');

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(run.result).toMatchObject({
      statusCode: 201,
      headers: expect.objectContaining({ Location: `/payments/${run.result.body.id}`, 'Idempotency-Key': 'cli-create-1' }),
      body: { object: 'payment', amount: 1000, currency: 'usd', status: 'succeeded', id: expect.stringMatching(/^pay_/) },
    });
  });

  it('replays the stored result for the same key and request, marked Idempotent-Replayed', async () => {
    const first = await create('cli-replay-1');

    const replay = await create('cli-replay-1');

    expect(replay.result.statusCode).toBe(201);
    expect(replay.result.body).toEqual(first.result.body);
    expect(replay.result.headers['Idempotent-Replayed']).toBe('true');
    expect(first.result.headers['Idempotent-Replayed']).toBeUndefined();
  });

  it('answers 422 when the same key comes with a different amount', async () => {
    await create('cli-mismatch-1');

    const run = await create('cli-mismatch-1', { ...payment, amount: 2000 });

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).FunctionError).toBeUndefined();
    expect(run.result).toMatchObject({ statusCode: 422, body: { status: 422, type: expect.any(String), title: expect.any(String) } });
  });

  it('reads a payment back with getPayment, for its own tenant only', async () => {
    const created = await create('cli-get-1');
    const id = created.result.body.id;

    const [own, other] = await Promise.all([
      invoke({ operation: 'getPayment', id, tenant: 'cli-tenant' }),
      invoke({ operation: 'getPayment', id, tenant: 'someone-else' }),
    ]);

    expect(own.result).toMatchObject({ statusCode: 200, body: created.result.body });
    expect(other.result).toMatchObject({ statusCode: 404, body: { status: 404 } });
  });

  it('sees a payment made over HTTP by a secret key of the tenant it names', async () => {
    const http = await server.createPayment('cli-http-1', payment, { tenant: 'shared-tenant' });

    const run = await invoke({ operation: 'getPayment', id: http.json.id, tenant: 'shared-tenant' });

    expect(http.status).toBe(201);
    expect(run.result).toMatchObject({ statusCode: 200, body: http.json });
  });

  it.each([
    ['an unknown operation', { operation: 'nope' }],
    ['createPayment without an idempotency key', { operation: 'createPayment', payment }],
    ['createPayment with an invalid body', { operation: 'createPayment', idempotencyKey: 'cli-bad-1', payment: { amount: -1 } }],
  ])('answers %s with a 400-shaped result, not an unhandled error', async (_name, payload) => {
    const run = await invoke(payload);

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).FunctionError).toBeUndefined();
    expect(run.result).toMatchObject({ statusCode: 400, body: { status: 400, type: expect.any(String), detail: expect.any(String) } });
  });

  it('fails like Lambda does for a function that does not exist', async () => {
    const run = await invoke({}, 'refunds');

    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/ResourceNotFoundException.*Function not found/);
  });
});
