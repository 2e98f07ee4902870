/**
 * Where rx-cluster reports what it retries in the background. `console` fits, and so do
 * pino and winston loggers.
 *
 * @example
 * ```ts
 * createCluster({ logger: { error: (msg, fields) => pino.error(fields, msg) } });
 * ```
 */
export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  debug?(message: string, fields?: Record<string, unknown>): void;
}

/** The default logger: errors and warnings to the console, nothing else. */
export const consoleLogger: Logger = {
  error: (message, fields) => console.error(message, fields ?? ''),
  warn: (message, fields) => console.warn(message, fields ?? ''),
};
