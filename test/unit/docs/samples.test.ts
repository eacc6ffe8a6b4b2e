import { mask, parseSamples, sampleDocs, SampleError } from '../../../scripts/doc-samples';

// The docs' command samples. Running them against local mode takes minutes (a DynamoDB Local per
// document, the AWS CLI and npm run keys), so CI runs `npm run docs:samples -- --check` as a step
// of its own (.ci/run); these are the fast checks of the reader itself, and of every doc's markers.
describe('the docs command samples', () => {
  it('every console block that talks to local mode is marked, and the marked ones parse', () => {
    const blocks = sampleDocs().flatMap((doc) => parseSamples(doc));
    expect(blocks.filter((b) => b.options.skip === undefined).length).toBeGreaterThanOrEqual(20);
    for (const block of blocks) expect(block.entries.length).toBeGreaterThan(0);
  });

  it('masks what differs between runs and nothing else', () => {
    const a = 'Location: /payments/pay_057e81a5ac4c1f8a3239824493a828e9\n{"id":"pay_057e81a5ac4c1f8a3239824493a828e9","status":"succeeded","created":1796186401}';
    const b = 'Location: /payments/pay_20080deae8e09b0a9a7f4cc69687dcd2\n{"id":"pay_20080deae8e09b0a9a7f4cc69687dcd2","status":"succeeded","created":1796186415}';
    expect(mask(a)).toBe(mask(b));
    expect(mask(a)).not.toBe(mask(a.replace('succeeded', 'failed')));
    expect(mask('HTTP/1.1 201 Created')).not.toBe(mask('HTTP/1.1 200 OK'));
  });

  it('refuses a console block that talks to local mode without a marker, and a marker with a typo', () => {
    expect(() => parseSamples('x.md', '```console\n$ curl http://127.0.0.1:3000/payments\n```\n')).toThrow(SampleError);
    expect(() => parseSamples('x.md', '<!-- sample evn="A=1" -->\n```console\n$ echo hi\nhi\n```\n')).toThrow(/unknown sample attribute evn/);
    expect(() => parseSamples('x.md', '<!-- sample skip="" -->\n```console\n$ echo hi\n```\n')).toThrow(/must say why/);
    const [block] = parseSamples('x.md', '<!-- sample env="A=1"\nsetup: echo "x" \'y\'\n-->\n```console\n$ for i in 1 2; do\n  echo $i\ndone\n1\n2\n\n$ echo hi\nhi\n```\n');
    expect(block!.options).toEqual({ env: { A: '1' }, setup: 'echo "x" \'y\'' });
    expect(block!.entries).toEqual([
      { command: ['$ for i in 1 2; do', '  echo $i', 'done'], output: ['1', '2'], blankAfter: true },
      { command: ['$ echo hi'], output: ['hi'], blankAfter: false },
    ]);
  });
});
