// by subpath: the package root loads all of date-fns (~17 MB of RSS for four functions)
import { add } from 'date-fns/add';
import { addMilliseconds } from 'date-fns/addMilliseconds';
import { differenceInMilliseconds } from 'date-fns/differenceInMilliseconds';
import { milliseconds } from 'date-fns/milliseconds';
import type { Duration } from 'date-fns';
import { assertPositiveMs, describe } from './validate.js';

/** The cluster-wide state of a recurring job, as schedules see it. */
export interface JobMetadata {
  /** When a run last finished anywhere in the cluster; null if the job never ran. */
  lastFinished: Date | null;
}

/** Ms to wait before the next run (0 = now), from the time now and the job's metadata. */
export type NextWaitInterval = (now: Date, metadata: JobMetadata) => number;

/** What `job$` accepts as a schedule: ms or a date-fns `Duration` (both mean `everyInterval`), or a function. */
export type JobSchedule = number | Duration | NextWaitInterval;

const DURATION_FIELDS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
/** Counted in calendar steps by date-fns `add`, which drops fractions of them. */
const WHOLE_FIELDS = new Set<string>(['years', 'months', 'weeks', 'days']);

/**
 * Runs the job `interval` after the last run finished anywhere in the cluster; a job that
 * never ran is due at once. A `Duration` is added with date-fns `add`, so `{ days: 1 }` is
 * the same wall-clock time on the next day and `{ months: 1 }` a calendar month.
 *
 * @example
 * ```ts
 * job$('sync', everyInterval({ minutes: 5 })).subscribe(() => sync());
 * // last finished 12:01 → runs 12:06, 12:11, …
 * ```
 */
export function everyInterval(interval: number | Duration): NextWaitInterval {
  const nextRun = typeof interval === 'number' ? msStep('interval', interval) : durationStep('interval', interval);
  return (now, { lastFinished }) =>
    lastFinished === null ? 0 : Math.max(0, differenceInMilliseconds(nextRun(lastFinished), now));
}

/**
 * Runs the job at the first multiple of `interval`, counted from the Unix epoch in UTC, that
 * comes after the last finish; a job that never ran is due at once. It keeps runs on a grid
 * (12:05, 12:10, …), not a minimum gap between them. A `Duration` must have a fixed length:
 * no `years` or `months`.
 *
 * @example
 * ```ts
 * job$('report', roundedInterval({ hours: 1 })).subscribe(() => report());
 * // last finished 12:04 → runs 13:00, 14:00, …
 * ```
 */
export function roundedInterval(interval: number | Duration): NextWaitInterval {
  const step = fixedMs('interval', interval);
  return (now, { lastFinished }) => {
    if (lastFinished === null) return 0;
    const target = Math.floor((lastFinished.getTime() + step) / step) * step;
    return Math.max(0, target - now.getTime());
  };
}

/**
 * Turns what `job$` was given into a `NextWaitInterval`, or throws naming `name` and the value.
 *
 * @example
 * ```ts
 * toNextWaitInterval('schedule', { minutes: 5 })(new Date(), { lastFinished: null }); // 0
 * ```
 */
export function toNextWaitInterval(name: string, schedule: unknown): NextWaitInterval {
  if (typeof schedule === 'function') return schedule as NextWaitInterval;
  if (typeof schedule === 'number') {
    assertPositiveMs(name, schedule);
    return everyInterval(schedule);
  }
  if (isPlainObject(schedule)) {
    checkDuration(name, schedule);
    return everyInterval(schedule);
  }
  throw new TypeError(
    `Expected \`${name}\` to be a number of milliseconds, a date-fns Duration or a NextWaitInterval function, got ${describe(schedule)}`,
  );
}

/**
 * Ms until a job is due by its schedule, never negative; throws `TypeError` if a
 * `NextWaitInterval` returned something that is not a number.
 *
 * @example
 * ```ts
 * dueIn(everyInterval(60_000), 'sync', Date.now(), Date.now() - 15_000); // 45000
 * ```
 */
export function dueIn(schedule: NextWaitInterval, key: string, now: number, lastFinished: number | null): number {
  const wait = schedule(new Date(now), { lastFinished: lastFinished === null ? null : new Date(lastFinished) });
  if (typeof wait !== 'number' || Number.isNaN(wait)) {
    throw new TypeError(`Expected the schedule of job \`${key}\` to return a number of milliseconds, got ${describe(wait)}`);
  }
  return Math.max(0, wait);
}

function msStep(name: string, interval: unknown): (last: Date) => Date {
  assertPositiveMs(name, interval);
  return (last) => addMilliseconds(last, interval);
}

function durationStep(name: string, interval: unknown): (last: Date) => Date {
  checkDuration(name, interval);
  const duration = { ...interval };
  return (last) => add(last, duration);
}

function fixedMs(name: string, interval: unknown): number {
  if (typeof interval === 'number') {
    assertPositiveMs(name, interval);
    return interval;
  }
  checkDuration(name, interval);
  if (interval.years || interval.months) {
    throw new RangeError(
      `Expected \`${name}\` to have a fixed length, got ${renderDuration(interval)}: months and years vary; use a NextWaitInterval`,
    );
  }
  return milliseconds(interval);
}

function checkDuration(name: string, value: unknown): asserts value is Duration {
  if (!isPlainObject(value)) {
    throw new TypeError(`Expected \`${name}\` to be a positive number of milliseconds or a date-fns Duration, got ${describe(value)}`);
  }
  for (const [field, amount] of Object.entries(value)) {
    if (!(DURATION_FIELDS as readonly string[]).includes(field)) {
      throw new TypeError(
        `Expected \`${name}\` to have only the Duration fields ${DURATION_FIELDS.join(', ')}, got \`${field}\` in ${renderDuration(value)}`,
      );
    }
    if (amount === undefined) continue;
    if (typeof amount !== 'number') {
      throw new TypeError(`Expected \`${name}.${field}\` to be a number, got ${describe(amount)}`);
    }
    if (!Number.isFinite(amount) || amount < 0 || (WHOLE_FIELDS.has(field) && !Number.isInteger(amount))) {
      const kind = WHOLE_FIELDS.has(field) ? 'a whole number' : 'a finite number';
      throw new RangeError(`Expected \`${name}.${field}\` to be ${kind} ≥ 0, got ${describe(amount)}`);
    }
  }
  if (milliseconds(value) <= 0) {
    throw new RangeError(`Expected \`${name}\` to be a Duration longer than 0 ms, got ${renderDuration(value)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function renderDuration(value: object): string {
  return `\`${JSON.stringify(value)}\``;
}
