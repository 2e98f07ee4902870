import { describe } from './validate.js';

/** Most bytes a job's props may take as UTF-8 JSON. */
export const MAX_PROPS_BYTES = 10_000;

/**
 * Turns a job's props into the JSON text the store keeps, or throws before anything is
 * stored. `undefined` props become `null`. Values that `JSON.stringify` would drop or
 * mangle without a word — functions and symbols (even deep inside), BigInt, NaN and
 * ±Infinity, cycles — throw `TypeError`; more than 10,000 bytes throws `RangeError`.
 * Like `JSON.stringify`, `toJSON()` is honoured (a Date becomes its ISO string) and object
 * properties whose value is `undefined` are left out.
 *
 * @example
 * ```ts
 * encodeProps({ userId: 42 }); // '{"userId":42}'
 * encodeProps(undefined);      // 'null'
 * encodeProps({ f() {} });     // throws TypeError
 * ```
 */
export function encodeProps(props: unknown): string {
  if (props === undefined) return 'null';
  let json: string | undefined;
  try {
    json = JSON.stringify(props, checkJsonValue);
  } catch (error) {
    if (error instanceof NotJsonError) throw new TypeError(error.message);
    // JSON.stringify's own TypeError: a cycle
    throw new TypeError(`Expected \`props\` to be a JSON value, got a value that is not (${String(error)})`, {
      cause: error,
    });
  }
  if (json === undefined) throw new TypeError(`Expected \`props\` to be a JSON value, got ${describe(props)}`);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short texts need no count
  const bytes = json.length * 3 <= MAX_PROPS_BYTES ? json.length : Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_PROPS_BYTES) {
    throw new RangeError(`Expected \`props\` to be at most ${MAX_PROPS_BYTES} bytes as JSON, got ${bytes} bytes`);
  }
  return json;
}

/**
 * The props of a stored job, as its runner receives them.
 *
 * @example
 * ```ts
 * decodeProps('{"userId":42}'); // { userId: 42 }
 * ```
 */
export function decodeProps(json: string): unknown {
  return JSON.parse(json) as unknown;
}

class NotJsonError extends Error {}

// A JSON.stringify replacer: it sees every value after toJSON(), before it is dropped.
function checkJsonValue(key: string, value: unknown): unknown {
  const where = key === '' ? '`props`' : `\`props\` (at property ${JSON.stringify(key)})`;
  switch (typeof value) {
    case 'function':
    case 'symbol':
    case 'bigint':
      throw new NotJsonError(`Expected ${where} to be a JSON value, got ${describeOdd(value)}`);
    case 'number':
      if (!Number.isFinite(value)) throw new NotJsonError(`Expected ${where} to be a JSON value, got \`${value}\` (number)`);
      return value;
    default:
      return value;
  }
}

function describeOdd(value: unknown): string {
  return typeof value === 'symbol' ? `a symbol (${String(value)})` : describe(value);
}
