import { expect } from 'chai';
import type { Duration } from 'date-fns';
import { everyInterval, roundedInterval, toNextWaitInterval, type NextWaitInterval } from '../lib/schedules.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const NEVER_RUN = null;

/** An interval given both ways the API accepts it: ms, and the equal date-fns Duration. */
interface Interval {
  ms: number;
  duration: Duration;
}
const fiveMinutes: Interval = { ms: 5 * MINUTE, duration: { minutes: 5 } };
const thirtyMinutes: Interval = { ms: 30 * MINUTE, duration: { minutes: 30 } };
const oneHour: Interval = { ms: HOUR, duration: { hours: 1 } };
const oneDay: Interval = { ms: 24 * HOUR, duration: { hours: 24 } };

const wait = (schedule: NextWaitInterval, now: Date, lastFinishedAgo: number | null) =>
  schedule(now, { lastFinished: lastFinishedAgo === null ? null : new Date(now.getTime() - lastFinishedAgo) });

describe('everyInterval()', () => {
  // Mattermost's TestMakeWaitForInterval table, row by row
  const rows: Array<[description: string, interval: Interval, lastFinishedAgo: number | null, expected: number]> = [
    ['never run, 5 minutes', fiveMinutes, NEVER_RUN, 0],
    ['run 1 minute ago, 5 minutes', fiveMinutes, MINUTE, 4 * MINUTE],
    ['run 2 minutes ago, 5 minutes', fiveMinutes, 2 * MINUTE, 3 * MINUTE],
    ['run 4 minutes 30 seconds ago, 5 minutes', fiveMinutes, 4 * MINUTE + 30 * SECOND, 30 * SECOND],
    ['run 4 minutes 59 seconds ago, 5 minutes', fiveMinutes, 4 * MINUTE + 59 * SECOND, SECOND],
    ['never run, 1 hour', oneHour, NEVER_RUN, 0],
    ['run 1 minute ago, 1 hour', oneHour, MINUTE, 59 * MINUTE],
    ['run 20 minutes ago, 1 hour', oneHour, 20 * MINUTE, 40 * MINUTE],
    ['run 55 minutes 30 seconds ago, 1 hour', oneHour, 55 * MINUTE + 30 * SECOND, 4 * MINUTE + 30 * SECOND],
    ['run 59 minutes 59 seconds ago, 1 hour', oneHour, 59 * MINUTE + 59 * SECOND, SECOND],
  ];
  const now = new Date('2024-05-14T10:17:23.456Z');

  for (const [description, interval, lastFinishedAgo, expected] of rows) {
    it(`everyInterval() waits ${expected} ms: ${description} (as ms and as a Duration)`, () => {
      expect(wait(everyInterval(interval.ms), now, lastFinishedAgo)).to.equal(expected);
      expect(wait(everyInterval(interval.duration), now, lastFinishedAgo)).to.equal(expected);
    });
  }

  it('everyInterval() is due at once when the interval has passed, never negative', () => {
    expect(wait(everyInterval(5 * MINUTE), now, 5 * MINUTE)).to.equal(0);
    expect(wait(everyInterval(5 * MINUTE), now, 3 * HOUR)).to.equal(0);
  });

  it('everyInterval() adds calendar units of a Duration with date-fns: a month after 31 January is 29 February 2024', () => {
    const lastFinished = new Date(2024, 0, 31, 12, 0);
    const next = new Date(2024, 1, 29, 12, 0);
    const at = new Date(2024, 1, 10, 8, 30);
    expect(everyInterval({ months: 1 })(at, { lastFinished })).to.equal(next.getTime() - at.getTime());
  });
});

describe('roundedInterval()', () => {
  // Mattermost's TestMakeWaitForRoundedInterval table, row by row, on a fixed day in UTC
  const topOfTheHour = new Date('2024-05-14T10:00:00Z');
  const topOfTheDay = new Date('2024-05-14T00:00:00Z');
  const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);
  const rows: Array<[description: string, interval: Interval, now: Date, lastFinishedAgo: number | null, expected: number]> = [
    ['5 minutes, top of the hour, never run', fiveMinutes, topOfTheHour, NEVER_RUN, 0],
    ['5 minutes, top of the hour less 1 minute, never run', fiveMinutes, plus(topOfTheHour, -MINUTE), NEVER_RUN, 0],
    ['5 minutes, top of the hour less 1 minute, run 1 minute ago', fiveMinutes, plus(topOfTheHour, -MINUTE), MINUTE, MINUTE],
    ['5 minutes, top of the hour plus 1 minute, run 2 minutes ago', fiveMinutes, plus(topOfTheHour, MINUTE), 2 * MINUTE, 0],
    ['5 minutes, top of the hour plus 1 minute, run 30 seconds ago', fiveMinutes, plus(topOfTheHour, MINUTE), 30 * SECOND, 4 * MINUTE],
    ['5 minutes, top of the hour plus 7 minutes, run 30 seconds ago', fiveMinutes, plus(topOfTheHour, 7 * MINUTE), 30 * SECOND, 3 * MINUTE],
    ['30 minutes, top of the hour, never run', thirtyMinutes, topOfTheHour, NEVER_RUN, 0],
    ['30 minutes, top of the hour less 1 minute, never run', thirtyMinutes, plus(topOfTheHour, -MINUTE), NEVER_RUN, 0],
    ['30 minutes, top of the hour less 1 minute, run 1 minute ago', thirtyMinutes, plus(topOfTheHour, -MINUTE), MINUTE, MINUTE],
    ['30 minutes, top of the hour plus 1 minute, run 2 minutes ago', thirtyMinutes, plus(topOfTheHour, MINUTE), 2 * MINUTE, 0],
    ['30 minutes, top of the hour plus 1 minute, run 30 seconds ago', thirtyMinutes, plus(topOfTheHour, MINUTE), 30 * SECOND, 29 * MINUTE],
    ['30 minutes, top of the hour plus 7 minutes, run 30 seconds ago', thirtyMinutes, plus(topOfTheHour, 7 * MINUTE), 30 * SECOND, 23 * MINUTE],
    ['24 hours, top of the day, never run', oneDay, topOfTheDay, NEVER_RUN, 0],
    ['24 hours, top of the day less 1 minute, never run', oneDay, plus(topOfTheDay, -MINUTE), NEVER_RUN, 0],
    ['24 hours, top of the day less 1 minute, run 1 minute ago', oneDay, plus(topOfTheDay, -MINUTE), MINUTE, MINUTE],
    ['24 hours, top of the day plus 1 minute, run 2 minutes ago', oneDay, plus(topOfTheDay, MINUTE), 2 * MINUTE, 0],
    ['24 hours, top of the day plus 1 minute, run 30 seconds ago', oneDay, plus(topOfTheDay, MINUTE), 30 * SECOND, 23 * HOUR + 59 * MINUTE],
    ['24 hours, top of the day plus 7 minutes, run 30 seconds ago', oneDay, plus(topOfTheDay, 7 * MINUTE), 30 * SECOND, 23 * HOUR + 53 * MINUTE],
  ];

  for (const [description, interval, now, lastFinishedAgo, expected] of rows) {
    it(`roundedInterval() waits ${expected} ms: ${description} (as ms and as a Duration)`, () => {
      expect(wait(roundedInterval(interval.ms), now, lastFinishedAgo)).to.equal(expected);
      expect(wait(roundedInterval(interval.duration), now, lastFinishedAgo)).to.equal(expected);
    });
  }

  it('roundedInterval() counts multiples from the Unix epoch in UTC: weekly runs fall on Thursdays at 00:00 UTC', () => {
    const monday = new Date('2024-05-13T09:00:00Z');
    const thursday = new Date('2024-05-16T00:00:00Z');
    expect(roundedInterval({ weeks: 1 })(monday, { lastFinished: monday })).to.equal(thursday.getTime() - monday.getTime());
  });
});

describe('schedule arguments', () => {
  for (const factory of [everyInterval, roundedInterval]) {
    it(`${factory.name}() throws RangeError for 0, negative, NaN and infinite intervals, naming \`interval\` and the value`, () => {
      for (const bad of [0, -1, -0.5, NaN, Infinity, -Infinity]) {
        expect(() => factory(bad), String(bad)).to.throw(RangeError, new RegExp(`\`interval\`.*\`${bad}\``));
      }
    });

    it(`${factory.name}() throws for a Duration that is empty, negative, fractional in calendar units or misspelt`, () => {
      expect(() => factory({})).to.throw(RangeError, /`interval`.*longer than 0/);
      expect(() => factory({ minutes: 0 })).to.throw(RangeError, /`interval`/);
      expect(() => factory({ minutes: -5 })).to.throw(RangeError, /`interval.minutes`.*`-5`/);
      expect(() => factory({ hours: NaN })).to.throw(RangeError, /`interval.hours`.*`NaN`/);
      expect(() => factory({ days: 1.5 })).to.throw(RangeError, /`interval.days`.*whole number/);
      expect(() => factory({ minute: 5 } as Duration)).to.throw(TypeError, /`interval`.*`minute`/);
      expect(() => factory({ minutes: '5' } as unknown as Duration)).to.throw(TypeError, /`interval.minutes`.*"5"/);
      expect(() => factory('5 minutes' as unknown as number)).to.throw(TypeError, /`interval`.*"5 minutes"/);
    });
  }

  it('roundedInterval() throws RangeError for months and years, which have no fixed length', () => {
    expect(() => roundedInterval({ months: 1 })).to.throw(RangeError, /`interval`.*fixed length/);
    expect(() => roundedInterval({ years: 1 })).to.throw(RangeError, /`interval`.*fixed length/);
  });

  it('a job schedule of ms or a Duration means everyInterval(); a function is used as it is', () => {
    const now = new Date('2024-05-14T10:00:00Z');
    const lastFinished = new Date('2024-05-14T09:58:00Z');
    expect(toNextWaitInterval('schedule', 5 * MINUTE)(now, { lastFinished })).to.equal(3 * MINUTE);
    expect(toNextWaitInterval('schedule', { minutes: 5 })(now, { lastFinished })).to.equal(3 * MINUTE);
    const custom: NextWaitInterval = () => 42;
    expect(toNextWaitInterval('schedule', custom)).to.equal(custom);
  });

  it('a job schedule that is 0, negative, NaN, infinite or a string throws, naming `schedule` and the value', () => {
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => toNextWaitInterval('schedule', bad), String(bad)).to.throw(RangeError, new RegExp(`\`schedule\`.*\`${bad}\``));
    }
    for (const bad of ['5 minutes', null, undefined, [5], true]) {
      expect(() => toNextWaitInterval('schedule', bad), String(bad)).to.throw(TypeError, /`schedule`/);
    }
  });
});
