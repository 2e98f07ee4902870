/*
 * redlock 5.0.0-beta.2 ships types, but its package.json "exports" hides them from
 * TypeScript's NodeNext resolution. These are the parts the benchmark uses, as documented.
 */
declare module 'redlock' {
  import type { Redis } from 'ioredis';

  export interface Settings {
    readonly driftFactor: number;
    readonly retryCount: number;
    readonly retryDelay: number;
    readonly retryJitter: number;
    readonly automaticExtensionThreshold: number;
  }

  export interface Lock {
    release(): Promise<unknown>;
  }

  export default class Redlock {
    constructor(clients: Iterable<Redis>, settings?: Partial<Settings>);
    readonly settings: Settings;
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
  }
}
