/**
 * A lock library under test. Each worker is one "instance" of a service: its own
 * connection(s) and its own library objects, as separate processes would have.
 */
export interface LockAdapter {
  /** Short name used in results and tables. */
  readonly name: string;
  /** Package and version, e.g. `redlock@5.0.0-beta.2`. */
  readonly library: string;
  /** The settings in force (library defaults unless said), written into the results. */
  readonly settings: Record<string, string | number | boolean>;
  /** A new worker with its own connection(s); the caller closes it. */
  worker(): Promise<LockWorker>;
}

/** One worker's handle: lock and unlock any key, one lock per key at a time. */
export interface LockWorker {
  /** Resolves once this worker holds `key`; rejects if the library gives up (its own timeout or retry limit). */
  lock(key: string): Promise<void>;
  /** Releases `key`, which this worker holds. */
  unlock(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Where the adapters connect. */
export interface RedisTarget {
  url: string;
  host: string;
  port: number;
}

export type LockAdapterFactory = (target: RedisTarget) => LockAdapter;
