import { execFile } from 'node:child_process';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { AUTHORIZER_CACHE_TTL_SECONDS } from '../../../lambda/auth/config';
import { DynamoSecretKeyStore } from '../../../lambda/auth/key-store';
import { AuthFailure, verifyBearer } from '../../../lambda/auth/verify';
import { runKeys } from '../../../ops/keys';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { ROOT } from '../../helpers/local-mode-process';

// `npm run keys` against a DynamoDB Local table named by DYNAMODB_ENDPOINT and TABLE_NAME, as an
// operator points it at local mode's database. One run is a real process (what `npm run keys`
// starts); the rest call the same entry in this process, since each process spends a second of
// CPU loading the SDK.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let table: TestTable;
let store: DynamoSecretKeyStore;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  table = await createTestTable('auth-cli');
  store = new DynamoSecretKeyStore(DynamoDBDocumentClient.from(table.client), table.tableName);
  const { DYNAMODB_ENDPOINT: _e, TABLE_NAME: _t, ...inherited } = process.env;
  env = { ...inherited, DYNAMODB_ENDPOINT: table.endpoint, TABLE_NAME: table.tableName };
});
afterAll(() => table.drop());

async function keys(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runKeys(args, env, { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
  return { code, stdout, stderr };
}

function keysProcess(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'ops/keys-cli.ts', ...args], { cwd: ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;

async function storedText(): Promise<string> {
  const { Items = [] } = await table.client.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }));
  return JSON.stringify(Items.map((item) => unmarshall(item)));
}

describe('npm run keys', () => {
  test('create, as a process: the secret is the last line of stdout, and it verifies for the tenant', async () => {
    const run = await keysProcess(['create', 'cli-acme']);
    expect(run.code).toBe(0);
    const secret = lastLine(run.stdout);
    expect(secret).toMatch(/^sk_test_[0-9A-Za-z]{48}$/);
    expect(run.stdout.split(secret).length).toBe(2); // printed once
    expect(run.stderr).toContain(`table ${table.tableName} at ${table.endpoint}`);
    expect(run.stderr).not.toContain(secret);
    expect(await verifyBearer(`Bearer ${secret}`, store)).toMatchObject({ ok: true, tenant: 'cli-acme' });
  }, 60_000);

  test('create --live makes an sk_live_ key', async () => {
    const run = await keys(['create', 'cli-live', '--live']);
    expect(run.code).toBe(0);
    expect(lastLine(run.stdout)).toMatch(/^sk_live_[0-9A-Za-z]{48}$/);
  });

  test('list shows ids and prefixes only: never a secret, a hash or the usage-plan key', async () => {
    const first = lastLine((await keys(['create', 'cli-list'])).stdout);
    const second = lastLine((await keys(['create', 'cli-list'])).stdout);
    const secretParts = [first, second].map((secret) => secret.slice(-32));
    const stored = JSON.parse(await storedText()) as Array<Record<string, unknown>>;
    const hidden = stored.filter((item) => item.tenant === 'cli-list').flatMap((item) => [item.secretSha256, item.usageIdentifierKey]).filter((value): value is string => typeof value === 'string');
    expect(hidden.length).toBeGreaterThanOrEqual(3);

    const text = await keys(['list', 'cli-list']);
    expect(text.code).toBe(0);
    const json = await keys(['list', 'cli-list', '--json']);
    const all = await keys(['list']);
    for (const run of [text, json, all]) {
      for (const part of [...secretParts, ...hidden]) expect(run.stdout).not.toContain(part);
    }
    expect(text.stdout).toContain(first.slice(0, 24));
    expect(text.stdout).toContain(second.slice(0, 24));
    expect(text.stdout).toMatch(/2 keys, 2 active/);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed).toEqual([
      { keyId: `key_${first.slice(8, 24)}`, tenant: 'cli-list', prefix: first.slice(0, 24), mode: 'test', createdAt: expect.any(String), revokedAt: null, active: true },
      { keyId: `key_${second.slice(8, 24)}`, tenant: 'cli-list', prefix: second.slice(0, 24), mode: 'test', createdAt: expect.any(String), revokedAt: null, active: true },
    ]);
    expect(all.stdout).toContain('cli-list');
  });

  test('revoke refuses the key at once here; revoking again is no error; an unknown id is', async () => {
    const secret = lastLine((await keys(['create', 'cli-revoke'])).stdout);
    const keyId = `key_${secret.slice(8, 24)}`;
    const revoked = await keys(['revoke', keyId]);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked ${keyId} \\(tenant cli-revoke`));
    expect(revoked.stdout).toContain('Local mode refuses it from its next request.');
    expect(await verifyBearer(`Bearer ${secret}`, store)).toMatchObject({ ok: false, reason: AuthFailure.Revoked });

    const again = await keys(['revoke', keyId]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already revoked at .*; nothing changed/);

    const listed = await keys(['list', 'cli-revoke']);
    expect(listed.stdout).toMatch(/revoked \d{4}-/);
    expect(listed.stdout).toMatch(/1 key, 0 active/);

    const unknown = await keys(['revoke', 'key_0000000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No key key_0000000000000000.');
  });

  test('usage errors exit 1 with a pointer to --help, before any database is touched', async () => {
    const run = await keys(['create', 'Not A Tenant']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not a tenant id.*\nRun `npm run keys -- --help` for usage\./);
    const help = await keys(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`within\n                            ${AUTHORIZER_CACHE_TTL_SECONDS} s`);
  });

  test('on a deployed table, the first key of a tenant comes with the commands that register its usage-plan key', async () => {
    // TABLE_NAME alone means AWS: pointed here at DynamoDB Local through the SDK's own endpoint variable.
    // The SDK's default chain reads process.env itself, so the AWS settings go there for this test.
    const sdkEnv = { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    const { DYNAMODB_ENDPOINT: _e, ...awsEnv } = env;
    const aws = { ...awsEnv, ...sdkEnv, USAGE_PLAN_ID: 'plan123' };
    const run = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const before = { ...process.env };
      Object.assign(process.env, sdkEnv);
      try {
        const code = await runKeys(args, aws, { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
        return { code, stdout, stderr };
      } finally {
        process.env = before;
      }
    };
    const first = await run(['create', 'cli-aws']);
    expect(first).toMatchObject({ code: 0 });
    const usage = (JSON.parse(await storedText()) as Array<Record<string, unknown>>).find((item) => item.tenant === 'cli-aws')!.usageIdentifierKey as string;
    expect(first.stderr).toContain('cli-aws is a new tenant');
    expect(first.stderr).toContain(`--usage-plan-id plan123`);
    expect(first.stderr).toContain(`--value ${usage}`);
    expect(lastLine(first.stdout)).toMatch(/^sk_test_/);
    const second = await run(['create', 'cli-aws']);
    expect(second.stderr).not.toContain('new tenant');
    const revoked = await run(['revoke', `key_${lastLine(second.stdout).slice(8, 24)}`]);
    expect(revoked.stdout).toContain(`within ${AUTHORIZER_CACHE_TTL_SECONDS} s`);
  });
});
