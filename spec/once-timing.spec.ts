import { expect } from 'chai';
import { StoreClock, timerDelay } from '../lib/once-timing.js';

describe('once timing (StoreClock, timerDelay)', () => {
  it('StoreClock maps store times to local times from the midpoint of a claim round trip', () => {
    const clock = new StoreClock();
    // the store's clock is 10 minutes ahead; the claim took 4 ms there and back
    clock.observe(600_000 + 1_002, 1_000, 1_004);
    expect(clock.toLocal(600_000 + 1_100)).to.equal(1_100);
    // behind: local 5,000 while the store shows 2,000
    clock.observe(2_000, 4_999, 5_001);
    expect(clock.toLocal(2_150)).to.equal(5_150);
  });

  it('StoreClock assumes no offset before the first claim', () => {
    expect(new StoreClock().toLocal(12_345)).to.equal(12_345);
  });

  it('timerDelay() waits until the due time, rounded up, capped at the poll interval, never negative', () => {
    expect(timerDelay(1_040.2, 1_000, 5_000)).to.equal(41);
    expect(timerDelay(1_000, 1_000, 5_000)).to.equal(0);
    expect(timerDelay(900, 1_000, 5_000), 'overdue').to.equal(0);
    expect(timerDelay(-Infinity, 1_000, 5_000)).to.equal(0);
    expect(timerDelay(60_000, 1_000, 5_000), 'far ahead: the safety-net poll').to.equal(5_000);
    expect(timerDelay(Infinity, 1_000, 5_000), 'nothing scheduled').to.equal(5_000);
  });

  it('a runner whose clock is skewed arms for the store time of the next job, not its own', () => {
    const clock = new StoreClock();
    const storeNow = 1_700_000_000_000;
    const local = storeNow - 600_000; // this instance's clock is 10 minutes behind
    clock.observe(storeNow, local - 1, local + 1);
    const nextDueIn = 250;
    expect(timerDelay(clock.toLocal(storeNow + nextDueIn), local + 1, 5_000)).to.equal(249);
  });
});
