/*
 * What the examples in README.md and docs/ take for granted: the application's own functions
 * and a cluster already created. Each example is type-checked as a module against these.
 */
import type { Cluster } from '../../lib/index.js';

declare global {
  const mutex: Cluster['mutex'];
  const withClusterLock: Cluster['withClusterLock'];
  const job$: Cluster['job$'];
  const once: Cluster['once'];
  const events$: Cluster['events$'];
  const close: Cluster['close'];
  const cluster: Cluster;
  function buildReport(options?: { fence?: number; signal?: AbortSignal }): Promise<void>;
  function sendInvoices(options?: { fence?: number; signal?: AbortSignal }): Promise<void>;
  function sendDigest(...args: unknown[]): Promise<void>;
  function syncAll(signal?: AbortSignal): Promise<void>;
  function cleanup(...args: unknown[]): Promise<void>;
  function remind(props: unknown): void;
  function sendEmail(props: unknown): Promise<void>;
}
