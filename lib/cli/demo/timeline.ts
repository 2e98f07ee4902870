import type { DemoEvent } from './demo-event.js';

const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93, 95, 92];

/** What each kind of event says on the timeline. */
function describeEvent(event: DemoEvent): string {
  switch (event.kind) {
    case 'job-start':
      return `job$ heartbeat runs here (fence ${event.fence})`;
    case 'job-end':
      return 'job$ heartbeat finished';
    case 'leader-start':
      return 'withClusterLock(leader): this instance holds the lock, its stream starts';
    case 'leader-tick':
      return `leader stream emits ${event.text}`;
    case 'leader-stop':
      return 'withClusterLock(leader): stream stopped here';
    case 'once-fired':
      return `once job ${event.key} fired (attempt ${event.attempt})`;
    case 'lock-lost':
      return `lease lost on ${event.key}`;
    case 'crashed':
      return event.text ?? 'crashed';
    case 'note':
      return event.text ?? '';
  }
}

/**
 * Prints demo events as a live timeline: one line per event, time since start, each instance
 * in its own colour (plain text when `colour` is false).
 *
 * @example
 * ```ts
 * const print = timelinePrinter(process.stdout.isTTY, (line) => console.log(line));
 * print({ t: 1234, instance: 'i1', kind: 'job-start', fence: 3 });
 * ```
 */
export function timelinePrinter(colour: boolean, write: (line: string) => void): (event: DemoEvent) => void {
  const colours = new Map<string, number>();
  return (event) => {
    if (!colours.has(event.instance)) colours.set(event.instance, COLOURS[colours.size % COLOURS.length]!);
    const time = `+${(event.t / 1000).toFixed(3).padStart(7)}s`;
    const who = event.instance.padEnd(5);
    const text = `${time}  ${who} ${describeEvent(event)}`;
    write(colour ? `\u001b[${colours.get(event.instance)}m${text}\u001b[0m` : text);
  };
}
