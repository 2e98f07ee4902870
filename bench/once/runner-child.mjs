/*
 * One scheduler runner alone in its own process, for start-up time and memory. Plain
 * JavaScript run by bare Node.js, with rx-cluster from dist/ (`npm run bench` builds it),
 * so that no TypeScript loader's memory is counted.
 *
 * The parent stored a sentinel job (its key is in the arguments) that was already due when
 * this process started, plus whatever else it measures (e.g. 1,000,000 jobs due in an
 * hour). Start-up time: from starting the runner (connecting included) to the sentinel
 * reaching the handler. Memory: RSS and heap after an idle period that follows, and their
 * growth from before the scheduler's code was loaded (the rest is Node.js itself). Prints
 * one line `RESULT {json}` and exits by itself. It mirrors bench/once/rx-cluster.ts and
 * bench/once/bullmq.ts: default settings, one runner.
 */
import { existsSync, statSync } from 'node:fs';

/** @type {{ adapter: string, sentinel: string, url: string, host: string, port: number, idleMs: number, timeoutMs: number, distMtimeMs: number | null }} */
const args = JSON.parse(process.argv[2] ?? '{}');
const hardStop = setTimeout(() => {
  console.error(`runner child: no result within ${args.timeoutMs} ms`);
  process.exit(2);
}, args.timeoutMs + 10_000);
hardStop.unref();

const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const collect = () => globalThis.gc?.();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const DIST = new URL('../../dist/index.js', import.meta.url);
let distRebuilt = 0;

/** Starts one runner; resolves to its close function. */
async function startRunner(name, onRun) {
  if (name === 'rx-cluster') {
    if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
    // reported: a build made after the parent loaded its copy is not quite the code it measures
    distRebuilt = statSync(DIST).mtimeMs !== args.distMtimeMs ? 1 : 0;
    const [{ createClient }, { createCluster, redisStore }] = await Promise.all([import('redis'), import(DIST.href)]);
    const started = performance.now();
    const client = createClient({ url: args.url });
    client.on('error', (error) => console.error('runner child: connection error', error));
    await client.connect();
    const cluster = createCluster({ store: redisStore(client), namespace: 'bench' });
    const subscription = cluster.once.runs$.subscribe((run) => onRun(run.key));
    return {
      started,
      close: async () => {
        subscription.unsubscribe();
        await cluster.close();
        await client.close();
      },
    };
  }
  if (name === 'bullmq') {
    const { Worker } = await import('bullmq');
    const started = performance.now();
    const worker = new Worker('bench', async (job) => onRun(job.id), { connection: { host: args.host, port: args.port } });
    worker.on('error', (error) => console.error('runner child: worker error', error));
    return { started, close: () => worker.close() };
  }
  throw new Error(`runner child: no scheduler named ${name}`);
}

async function main() {
  collect();
  const before = process.memoryUsage();
  let others = 0;
  let sentinelAt = null;
  const runner = await startRunner(args.adapter, (key) => {
    if (key === args.sentinel) sentinelAt ??= performance.now();
    else others += 1;
  });
  const giveUpAt = runner.started + args.timeoutMs;
  while (sentinelAt === null && performance.now() < giveUpAt) await sleep(2);
  await sleep(args.idleMs);
  collect();
  const usage = process.memoryUsage();
  await runner.close();
  const result = {
    startupMs: sentinelAt === null ? Number.NaN : sentinelAt - runner.started,
    rssMb: mb(usage.rss),
    rssGrowthMb: mb(usage.rss - before.rss),
    heapUsedMb: mb(usage.heapUsed),
    heapGrowthMb: mb(usage.heapUsed - before.heapUsed),
    otherRuns: others,
    distRebuilt,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => clearTimeout(hardStop),
  (error) => {
    console.error('runner child failed:', error);
    process.exitCode = 1;
  },
);
