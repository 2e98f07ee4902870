/** Argument checks: a bad argument is a programming error, reported before anything is stored. */

/** Longest key accepted, in characters. */
export const MAX_KEY_LENGTH = 1024;

/** Renders a value for an error message: `"x"` (string), `0` (number), `undefined`. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'bigint') return `\`${value}n\` (bigint)`;
  if (typeof value === 'function') return `a function`;
  if (value === null || value === undefined) return `\`${value}\``;
  if (typeof value === 'object') return value instanceof Date ? `\`${String(value)}\` (Date)` : 'an object';
  return `\`${String(value)}\` (${typeof value})`;
}

/** Throws unless `value` is a key: a non-empty string of at most 1,024 characters. */
export function assertKey(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, got ${describe(value)}`);
  }
  if (value.length > MAX_KEY_LENGTH) {
    throw new RangeError(
      `Expected \`${name}\` to be at most ${MAX_KEY_LENGTH} characters, got ${value.length} characters`,
    );
  }
}

/** Throws unless `value` is a finite number of milliseconds greater than zero. */
export function assertPositiveMs(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${name}\` to be a positive number of milliseconds, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Expected \`${name}\` to be a positive number of milliseconds, got ${describe(value)}`);
  }
}

/** Throws unless `value` is a function. */
export function assertFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${name}\` to be a function, got ${describe(value)}`);
  }
}

/** Throws unless `value` is undefined or a plain object (an options bag). */
export function assertOptions(name: string, value: unknown): asserts value is object | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new TypeError(`Expected \`${name}\` to be an object, got ${describe(value)}`);
  }
}
