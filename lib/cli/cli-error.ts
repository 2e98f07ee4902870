/**
 * A problem with what the operator asked for (a bad option, an unreachable Redis): printed as
 * one line, without a stack trace, and the command exits with code 2.
 *
 * @example
 * ```ts
 * throw new CliError('Invalid --redis URL "redis:/x": expected redis://host:port');
 * ```
 */
export class CliError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
