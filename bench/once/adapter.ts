import type { RedisTarget } from '../lock/adapter.js';

/** The props every benchmark job carries, the same for every scheduler. */
export interface BenchProps {
  runAt: number;
}

/** Called when a due job reaches the handler: its key and the instant it was due (epoch ms). */
export type OnRun = (key: string, runAt: number) => void;

/** A run-once scheduler under test. */
export interface OnceAdapter {
  readonly name: string;
  readonly library: string;
  /** The settings in force (library defaults), filled in as the library reports them. */
  readonly settings: Record<string, string | number | boolean>;
  /** Starts one runner (an instance processing due jobs) with its own connections. */
  runner(onRun: OnRun): Promise<OnceRunner>;
  /** An instance that only schedules, with its own connection. */
  producer(): Promise<OnceProducer>;
}

export interface OnceRunner {
  close(): Promise<void>;
}

export interface OnceProducer {
  /** Stores a job due at `runAt` (epoch ms) under `key`. */
  schedule(key: string, runAt: number, props: BenchProps): Promise<void>;
  close(): Promise<void>;
}

export type OnceAdapterFactory = (target: RedisTarget) => OnceAdapter;
