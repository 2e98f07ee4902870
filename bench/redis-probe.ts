import { createClient } from 'redis';
import { startRedisServer, type RedisServer } from '../spec/support/redis-server.js';

/** Commands Redis executed, from INFO commandstats: per command, and their total. */
export interface CommandCount {
  total: number;
  byCommand: Record<string, number>;
}

/** Where the benchmarks run: host, port and URL of the Redis server, and how to stop it. */
export interface BenchRedis {
  url: string;
  host: string;
  port: number;
  /** True when this process started the server (and will stop it). */
  owned: boolean;
  probe: Probe;
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/;

/**
 * A private redis-server on a free loopback port, or the loopback server REDIS_URL names
 * (its selected database must be empty: the benchmarks flush it between scenarios).
 */
export async function openBenchRedis(): Promise<BenchRedis> {
  const given = process.env.REDIS_URL;
  let server: RedisServer | null = null;
  let url: string;
  if (given) {
    const parsed = new URL(given);
    if (!LOOPBACK.test(parsed.hostname)) {
      throw new Error(`REDIS_URL must name a server on this machine (loopback), got ${parsed.hostname}`);
    }
    url = given;
  } else {
    server = await startRedisServer();
    url = server.url;
  }
  const parsed = new URL(url);
  const probe = await Probe.connect(url);
  if (given && (await probe.dbSize()) > 0) {
    await probe.close();
    throw new Error('The database REDIS_URL selects is not empty; the benchmarks flush it between scenarios, so give them an empty one');
  }
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    owned: server !== null,
    probe,
    async stop() {
      await probe.close();
      await server?.stop();
    },
  };
}

/** The commands the probe uses. */
interface ProbeClient {
  info(section: string): Promise<string>;
  dbSize(): Promise<number>;
  flushDb(): Promise<unknown>;
  close(): Promise<unknown>;
}

/**
 * One connection that only reads INFO and flushes between scenarios; its own INFO calls
 * are left out of every command count.
 */
export class Probe {
  private constructor(private readonly client: ProbeClient) {}

  static async connect(url: string): Promise<Probe> {
    const client = createClient({ url });
    client.on('error', (error: unknown) => console.error('bench: probe connection error', error));
    await client.connect();
    return new Probe(client);
  }

  /** One INFO section as a map of its fields. */
  async info(section: string): Promise<Map<string, string>> {
    const text = await this.client.info(section);
    const fields = new Map<string, string>();
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
    }
    return fields;
  }

  /** Calls per command since the server started (commands run inside Lua scripts included), INFO left out. */
  async commands(): Promise<CommandCount> {
    const stats = await this.info('commandstats');
    const byCommand: Record<string, number> = {};
    let total = 0;
    for (const [field, value] of stats) {
      const name = field.replace(/^cmdstat_/, '');
      if (name === 'info') continue;
      const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
      byCommand[name] = calls;
      total += calls;
    }
    return { total, byCommand };
  }

  /** CPU seconds the server has used (user + system, main thread and all). */
  async serverCpuSeconds(): Promise<number> {
    const cpu = await this.info('cpu');
    return Number(cpu.get('used_cpu_user') ?? 0) + Number(cpu.get('used_cpu_sys') ?? 0);
  }

  /**
   * Starts a CPU window: `stop()` gives the percent of one core this process and the Redis
   * server used since, which says which side a throughput figure is bound by.
   */
  async cpuWindow(): Promise<{ stop(): Promise<{ clientCpuPct: number; redisCpuPct: number }> }> {
    const server = await this.serverCpuSeconds();
    const client = process.cpuUsage();
    const started = performance.now();
    return {
      stop: async () => {
        const seconds = (performance.now() - started) / 1_000;
        const used = process.cpuUsage(client);
        return {
          clientCpuPct: ((used.user + used.system) / 1e6 / seconds) * 100,
          redisCpuPct: (((await this.serverCpuSeconds()) - server) / seconds) * 100,
        };
      },
    };
  }

  /** used_memory in bytes. */
  async usedMemory(): Promise<number> {
    return Number((await this.info('memory')).get('used_memory'));
  }

  async serverVersion(): Promise<string> {
    return (await this.info('server')).get('redis_version') ?? 'unknown';
  }

  async dbSize(): Promise<number> {
    return this.client.dbSize();
  }

  /** Empties the selected database (the benchmark's own server or an empty one REDIS_URL named). */
  async flush(): Promise<void> {
    await this.client.flushDb();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** What ran between two counts: per command (zero counts dropped) and in total. */
export function commandDelta(before: CommandCount, after: CommandCount): CommandCount {
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after.byCommand)) {
    const delta = calls - (before.byCommand[name] ?? 0);
    if (delta > 0) byCommand[name] = delta;
  }
  return { total: after.total - before.total, byCommand };
}

/** Each command's count divided by `per` (e.g. commands per cycle), rounded to 2 decimals. */
export function perUnit(count: CommandCount, per: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(count.byCommand)) out[name] = Math.round((calls / per) * 100) / 100;
  return out;
}
