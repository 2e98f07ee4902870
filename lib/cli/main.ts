import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createCluster } from '../cluster.js';
import { redisStore } from '../stores/redis-store.js';
import { assertKey } from '../validate.js';
import { CliError } from './cli-error.js';
import { runChildInstance } from './demo/child-instance.js';
import { runDemo } from './demo/demo.js';
import { DEFAULT_SETTINGS, type DemoSettings } from './demo/demo-event.js';
import { formatOnceJobs } from './once-commands.js';
import { connectToRedis, type CliRedisClient } from './redis-connection.js';
import { formatStatus, readStatus } from './status.js';

const integerIn = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
};

/** Runs `use` with a Redis client that is closed afterwards, whatever happens. */
async function withRedis<T>(url: string, use: (client: CliRedisClient) => Promise<T>): Promise<T> {
  const client = await connectToRedis(url);
  try {
    return await use(client);
  } finally {
    await client.close().catch(() => client.destroy());
  }
}

/** Checks a namespace or key as the library would, before connecting: a bad one is a usage error, not a stack trace. */
function checkKey(name: string, value: string): string {
  try {
    assertKey(name, value);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  return value;
}

const print = (text: string) => process.stdout.write(`${text}\n`);

/**
 * The `rx-cluster` command: `demo`, `status`, `once list|cancel`. Resolves with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['demo', '--duration', '10']);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('rx-cluster')
    .description('Cluster-wide locks, recurring jobs and run-once jobs over Redis: a live demo and operator tools.')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`rx-cluster: ${text.replace(/^error: /, '')}`) })
    .showSuggestionAfterError();

  program
    .command('demo')
    .description('Show the library at work: a job$, a withClusterLock stream whose holder crashes, and a burst of once jobs')
    .option('--instances <n>', 'how many instances', integerIn('--instances', 2, 10), 3)
    .option('--duration <seconds>', 'how long to run', integerIn('--duration', 6, 600), 20)
    .option('--redis <url>', 'run each instance as a child process against this Redis (default: one process, memoryStore)')
    .option('--no-color', 'plain text, no colours')
    .action(async (options: { instances: number; duration: number; redis?: string; color: boolean }) => {
      const interrupt = new AbortController();
      const onSigint = () => interrupt.abort();
      process.once('SIGINT', onSigint);
      try {
        const checks = await runDemo({
          instances: options.instances,
          duration: options.duration,
          redis: options.redis,
          colour: options.color && process.stdout.isTTY === true && !process.env.NO_COLOR,
          write: print,
          signal: interrupt.signal,
        });
        exitCode = interrupt.signal.aborted ? 130 : checks.every((check) => check.ok) ? 0 : 1;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });

  program
    .command('status')
    .description('Held locks, recurring jobs and once jobs of a namespace')
    .requiredOption('--redis <url>', 'the Redis to inspect')
    .option('--namespace <ns>', 'the namespace', 'rx-cluster')
    .option('--json', 'print JSON')
    .action(async (options: { redis: string; namespace: string; json?: boolean }) => {
      const namespace = checkKey('--namespace', options.namespace);
      const status = await withRedis(options.redis, (client) => readStatus(redisStore(client), namespace));
      print(options.json ? JSON.stringify(status, null, 2) : formatStatus(status));
    });

  const once = program.command('once').description('Inspect and cancel run-once jobs');
  once
    .command('list')
    .description('Scheduled once jobs, by runAt')
    .requiredOption('--redis <url>', 'the Redis to inspect')
    .option('--namespace <ns>', 'the namespace', 'rx-cluster')
    .option('--json', 'print JSON')
    .action(async (options: { redis: string; namespace: string; json?: boolean }) => {
      const namespace = checkKey('--namespace', options.namespace);
      const jobs = await withRedis(options.redis, async (client) => {
        const cluster = createCluster({ store: redisStore(client), namespace });
        try {
          return await cluster.once.list();
        } finally {
          await cluster.close();
        }
      });
      print(formatOnceJobs(jobs, options.json === true));
    });
  once
    .command('cancel')
    .description('Cancel one once job, cluster-wide')
    .argument('<key>', 'the job key')
    .requiredOption('--redis <url>', 'the Redis to change')
    .option('--namespace <ns>', 'the namespace', 'rx-cluster')
    .action(async (key: string, options: { redis: string; namespace: string }) => {
      checkKey('key', key);
      const namespace = checkKey('--namespace', options.namespace);
      const cancelled = await withRedis(options.redis, async (client) => {
        const cluster = createCluster({ store: redisStore(client), namespace });
        try {
          return await cluster.once.cancel(key);
        } finally {
          await cluster.close();
        }
      });
      print(cancelled ? `Cancelled ${key}.` : `No once job ${key} was scheduled.`);
      exitCode = cancelled ? 0 : 1;
    });

  program
    .addCommand(
      new Command('demo-instance')
        .requiredOption('--redis <url>')
        .requiredOption('--namespace <ns>')
        .requiredOption('--name <name>')
        .addOption(new Option('--settings <json>').default(JSON.stringify(DEFAULT_SETTINGS)))
        .action(async (options: { redis: string; namespace: string; name: string; settings: string }) => {
          const settings = JSON.parse(options.settings) as DemoSettings;
          await runChildInstance({ url: options.redis, namespace: options.namespace, name: options.name, settings });
        }),
      { hidden: true },
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help or the version asked for exit 0; 'commander.help' with a non-zero exitCode is a
      // missing command, its help already on stderr
      if (error.code === 'commander.help' && error.exitCode !== 0) process.stderr.write('rx-cluster: missing command\n');
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`rx-cluster: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`rx-cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
