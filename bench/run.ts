process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { startDynamoDbLocal } from '../local/dynamodb-local';
import { BUNDLE_OPTIONS, bundle, measureColdStarts } from './coldstart/bundle';
import { benchConfigFromEnv } from './config';
import { measureGrowth } from './cost/growth';
import { measureSizing } from './cost/sizing';
import { startLatencyProxy } from './latency/proxy';
import { compare, measureHandlerOverhead, runMatrix } from './load/matrix';
import { cpuReader } from './load/meters';
import { SCENARIO_IDS } from './load/scenarios';
import { describeEnvironment, writeResults } from './report/write';
import { createVariant, VARIANT_NAMES } from './variants';

/** What the work after the main rounds takes on a loaded 2-core machine (latency-model run, sizing, cold starts). */
const AFTER_ROUNDS_SECONDS = 150;
/** Kept free at the end for the handler-overhead pass and writing the results. */
const CLOSING_SECONDS = 10;

/** `npm run bench`: DynamoDB Local up, load matrix (plain and through the latency model), sizing, growth, cold starts, results written. */
async function main(): Promise<void> {
  const startedMs = Date.now();
  const config = benchConfigFromEnv(process.env);
  const environment = describeEnvironment();
  const log = (line: string) => console.error(`[bench ${((Date.now() - startedMs) / 1000).toFixed(0).padStart(3)} s] ${line}`);

  const dynamo = await startDynamoDbLocal({});
  log(`DynamoDB Local (in memory) on ${dynamo.endpoint}, pid ${dynamo.pid}`);
  process.once('SIGINT', () => void dynamo.stop().then(() => process.exit(130)));
  const common = { concurrencies: config.concurrencies, requests: config.requests, readCpu: cpuReader(dynamo.pid) };
  const variantsOn = (endpoint: string, prefix: string) => Promise.all(VARIANT_NAMES.map((name) => createVariant(name, endpoint, `${prefix}-${name}`)));
  try {
    const variants = await variantsOn(dynamo.endpoint, 'bench');
    const deadlineEpochMs = startedMs + (config.budgetSeconds - AFTER_ROUNDS_SECONDS) * 1000;
    const main = await runMatrix(variants, { ...common, scenarios: SCENARIO_IDS, rounds: config.rounds, deadlineEpochMs, warmUpRequests: 128 }, log);
    let latency: typeof main | undefined;
    if (config.latencyModel) {
      const proxy = await startLatencyProxy(dynamo.endpoint);
      const modelled = await variantsOn(proxy.endpoint, 'bench-aws');
      try {
        latency = await runMatrix(modelled, { ...common, scenarios: ['first', 'replay-cold'], rounds: 2, deadlineEpochMs: 0, warmUpRequests: 32 }, (line) => log(`latency model ${line}`));
      } finally {
        for (const v of modelled) v.client.destroy();
        proxy.close();
      }
    }
    const sizing = await measureSizing(dynamo.endpoint, VARIANT_NAMES);
    const growth = await measureGrowth(dynamo.endpoint);
    log('sizing and growth done');
    for (const v of variants) v.client.destroy();
    await dynamo.stop();
    log('DynamoDB Local stopped');

    const bundles = [];
    for (const options of BUNDLE_OPTIONS) for (const variant of ['ours', 'powertools'] as const) bundles.push(await bundle(variant, options));
    const coldStarts = measureColdStarts(bundles, { runs: config.coldStartRuns, deadlineEpochMs: startedMs + (config.budgetSeconds - CLOSING_SECONDS) * 1000 });
    const overhead = await measureHandlerOverhead(VARIANT_NAMES, 1000);
    log(`cold starts (${coldStarts[0]?.runs ?? 0} fresh processes per bundle and source-map setting) and handler overhead done`);

    const durationSeconds = Math.round((Date.now() - startedMs) / 1000);
    const latencyCells = latency?.cells ?? [];
    const results = { environment, config, roundsRun: main.roundsRun, durationSeconds, cells: main.cells, comparisons: compare(main.cells) };
    console.log(writeResults({ ...results, latencyCells, latencyComparisons: compare(latencyCells), sizing, growth, coldStarts, overhead }));
    log(`results in ${config.resultsDir}: RESULTS.md, HEADLINE.md, results.json, results.svg (${durationSeconds} s in all)`);
  } finally {
    await dynamo.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
