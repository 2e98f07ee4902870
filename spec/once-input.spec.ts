import { expect } from 'chai';
import { createCluster } from '../lib/cluster.js';
import { encodeProps } from '../lib/once-props.js';
import { memoryStore } from '../lib/stores/memory-store.js';
import { forEachStore } from './support/store-kit.js';

const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;

/** Each bad argument list, the error it throws, and a pattern its message matches. */
const badSchedules: Array<[string, unknown[], ErrorConstructor, RegExp]> = [
  ['an empty key', ['', Date.now()], TypeError, /`key`.*non-empty string/],
  ['a key that is not a string', [42, Date.now()], TypeError, /`key`.*`42` \(number\)/],
  ['a key over 1,024 characters', ['k'.repeat(1_025), Date.now()], RangeError, /`key`.*1025 characters/],
  ['no runAt', ['k'], TypeError, /`runAt`.*`undefined`/],
  ['a runAt string', ['k', '2030-01-01'], TypeError, /`runAt`.*Date or epoch milliseconds/],
  ['an invalid Date', ['k', new Date('not a date')], RangeError, /`runAt`.*valid date/],
  ['a NaN runAt', ['k', Number.NaN], RangeError, /`runAt`.*`NaN`/],
  ['a runAt beyond the Date range', ['k', 8.64e15 + 1], RangeError, /`runAt`/],
  ['BigInt props', ['k', Date.now(), 10n], TypeError, /`props`.*`10n` \(bigint\)/],
  ['cyclic props', ['k', Date.now(), cyclic], TypeError, /`props`.*not.*circular/],
  ['a function as props', ['k', Date.now(), () => 1], TypeError, /`props`.*a function/],
  ['a function deep in props', ['k', Date.now(), { user: { notify() {} } }], TypeError, /property "notify".*a function/],
  ['a function in an array', ['k', Date.now(), [1, () => 2]], TypeError, /property "1".*a function/],
  ['a symbol in props', ['k', Date.now(), { s: Symbol('x') }], TypeError, /property "s".*symbol/],
  ['NaN in props', ['k', Date.now(), { n: Number.NaN }], TypeError, /property "n".*`NaN`/],
  ['Infinity in props', ['k', Date.now(), [Infinity]], TypeError, /`Infinity`/],
];

forEachStore('once input checks', (kit) => {
  it('once.schedule() throws TypeError / RangeError naming the bad argument, and stores nothing', async () => {
    const a = await kit.instance();
    await a.once.schedule('existing', Date.now() + 60_000, { keep: true });
    const before = await a.once.list();
    for (const [what, args, type, message] of badSchedules) {
      expect(() => (a.once.schedule as (...a: unknown[]) => unknown)(...args), what).to.throw(type, message);
    }
    expect(await a.once.list()).to.deep.equal(before);
  });

  it('once.cancel(), once.get() and once.process$() check their argument', async () => {
    const a = await kit.instance();
    expect(() => a.once.cancel('')).to.throw(TypeError, /`key`/);
    expect(() => a.once.get(7 as unknown as string)).to.throw(TypeError, /`key`.*`7` \(number\)/);
    expect(() => a.once.process$('work' as never)).to.throw(TypeError, /`work`.*function/);
  });

  it('once.schedule() accepts epoch ms and Dates, past or future, and props omitted as null', async () => {
    const a = await kit.instance();
    const at = Date.UTC(2001, 0, 1);
    expect(await a.once.schedule('ms', at)).to.deep.equal({ key: 'ms', runAt: new Date(at), props: null });
    expect(await a.once.schedule('date', new Date(at + 1), undefined)).to.deep.include({ props: null });
    expect(await a.once.schedule('fraction', at + 0.7, { skip: undefined, kept: 1 })).to.deep.equal({
      key: 'fraction',
      runAt: new Date(at),
      props: { kept: 1 },
    });
    expect((await a.once.list()).map((job) => job.key)).to.deep.equal(['fraction', 'ms', 'date']);
  });
});

describe('once options', () => {
  it('createCluster({ once }) checks claimTtl and pollInterval, naming them', () => {
    const store = memoryStore();
    const cases: Array<[unknown, ErrorConstructor, RegExp]> = [
      ['fast', TypeError, /`once`.*object/],
      [{ claimTtl: 0 }, RangeError, /`once.claimTtl`.*`0`/],
      [{ claimTtl: '30s' }, TypeError, /`once.claimTtl`.*"30s"/],
      [{ pollInterval: -1 }, RangeError, /`once.pollInterval`.*`-1`/],
      [{ pollInterval: Infinity }, RangeError, /`once.pollInterval`/],
      [{ claimTtl: 2 ** 31 }, RangeError, /`once.claimTtl`.*at most 2147483647/],
    ];
    for (const [once, type, message] of cases) {
      expect(() => createCluster({ store, once: once as never }), JSON.stringify(once)).to.throw(type, message);
    }
    expect(() => createCluster({ store, once: { claimTtl: 1_000, pollInterval: 100 } }).close()).to.not.throw();
  });

  it('encodeProps() keeps what JSON keeps: toJSON() results, undefined object properties left out', () => {
    expect(encodeProps(undefined)).to.equal('null');
    expect(encodeProps(null)).to.equal('null');
    expect(encodeProps({ at: new Date(0), gone: undefined })).to.equal('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(encodeProps('日本')).to.equal('"日本"');
  });
});
