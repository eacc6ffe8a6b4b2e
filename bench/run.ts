process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { bundle } from './coldstart/bundle';
import { measureColdStarts } from './coldstart/measure';
import { benchConfigFromEnv } from './config';
import { measureGrowth } from './cost/growth';
import { measureSizing } from './cost/sizing';
import { calibrate } from './load/calibration';
import { type MatrixResult, runMatrix } from './load/matrix';
import { measureHandlerOverhead } from './load/overhead';
import { SCENARIO_IDS } from './load/scenarios';
import { cpuReader } from './meter/process-cpu';
import { compare } from './report/compare';
import { describeEnvironment } from './report/environment';
import { writeResults } from './report/write';
import { createVariant } from './variants';
import { VARIANT_NAMES } from './variants/types';

/** What the work after the main rounds takes on a loaded 2-core machine (sensitivity run, sizing, cold starts). */
const AFTER_ROUNDS_SECONDS = 75;

/** `npm run bench`: DynamoDB Local up, load matrix, sizing, growth, cold starts, results written. */
async function main(): Promise<void> {
  const startedMs = Date.now();
  const config = benchConfigFromEnv(process.env);
  const environment = describeEnvironment();
  const log = (line: string) => console.error(`[bench ${((Date.now() - startedMs) / 1000).toFixed(0).padStart(3)} s] ${line}`);

  const dynamo = await startDynamoDbLocal({});
  log(`DynamoDB Local (in memory) on ${dynamo.endpoint}, pid ${dynamo.pid}`);
  process.once('SIGINT', () => void dynamo.stop().then(() => process.exit(130)));
  const readCpu = cpuReader(dynamo.pid);
  let main: MatrixResult;
  let network: MatrixResult | undefined;
  let sizing;
  let growth;
  let calibration;
  try {
    const calibrationClient = localDynamoDbClient(dynamo.endpoint);
    await calibrate(calibrationClient, config.concurrencies, 150); // JVM warm-up, discarded
    log('DynamoDB Local warmed up');
    const variants = await Promise.all(VARIANT_NAMES.map((name) => createVariant(name, dynamo.endpoint, `bench-${name}`)));
    const deadlineEpochMs = startedMs + (config.budgetSeconds - AFTER_ROUNDS_SECONDS) * 1000;
    const common = { concurrencies: config.concurrencies, requests: config.requests, readCpu };
    main = await runMatrix(variants, { ...common, scenarios: SCENARIO_IDS, rounds: config.rounds, deadlineEpochMs }, log);
    if (config.networkDelayMs > 0) {
      const delayed = await Promise.all(
        VARIANT_NAMES.map((name) => createVariant(name, dynamo.endpoint, `bench-rtt-${name}`, { networkDelayMs: config.networkDelayMs })),
      );
      network = await runMatrix(delayed, { ...common, scenarios: ['first', 'replay-cold'], rounds: 2, deadlineEpochMs: 0 }, (line) => log(`network delay ${line}`));
      variants.push(...delayed);
    }
    calibration = await calibrate(calibrationClient, config.concurrencies, 300);
    sizing = await measureSizing(dynamo.endpoint, VARIANT_NAMES);
    growth = await measureGrowth(dynamo.endpoint);
    log('calibration, sizing and growth done');
    for (const client of [calibrationClient, ...variants.map((v) => v.client)]) client.destroy();
  } finally {
    await dynamo.stop();
  }
  log('DynamoDB Local stopped');

  const bundles = [await bundle('ours', config.outDir), await bundle('powertools', config.outDir), await bundle('sdk-only', config.outDir)];
  const coldStarts = measureColdStarts(bundles, config.coldStartRuns);
  const overhead = await measureHandlerOverhead(VARIANT_NAMES, 1000);
  log('cold starts and handler overhead done');

  const durationSeconds = Math.round((Date.now() - startedMs) / 1000);
  const text = writeResults({
    environment,
    config,
    roundsRun: main.roundsRun,
    durationSeconds,
    cells: main.cells,
    comparisons: compare(main.cells),
    networkCells: network?.cells ?? [],
    networkComparisons: compare(network?.cells ?? []),
    sizing,
    growth,
    coldStarts,
    calibration,
    overhead,
  });
  console.log(text);
  log(`results in bench/RESULTS.md, bench/HEADLINE.md, bench/results.json, bench/results.svg (${durationSeconds} s in all)`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
