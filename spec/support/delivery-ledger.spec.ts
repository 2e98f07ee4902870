import { expect } from 'chai';
import { DeliveryLedger } from './delivery-ledger.js';

describe('DeliveryLedger (the fault suite’s record of once deliveries)', () => {
  it('DeliveryLedger: a job delivered again after its runner died, with a higher attempt, is an allowed duplicate', () => {
    const ledger = new DeliveryLedger(['a', 'b']);
    ledger.delivered('p1', 'a', 1);
    ledger.died('p1');
    ledger.delivered('p2', 'a', 2);
    ledger.delivered('p2', 'b', 1);
    expect(ledger.duplicates()).to.deep.equal(['a']);
    expect(ledger.unexplainedDuplicates()).to.deep.equal([]);
    expect(ledger.lost()).to.deep.equal([]);
  });

  it('DeliveryLedger: a job delivered again while its runner lived, or with no higher attempt, is unexplained; a job never delivered is lost', () => {
    const ledger = new DeliveryLedger(['a', 'b', 'c']);
    ledger.delivered('p1', 'a', 1);
    ledger.delivered('p2', 'a', 2);
    ledger.delivered('p1', 'b', 1);
    ledger.died('p1');
    ledger.delivered('p2', 'b', 1);
    expect(ledger.unexplainedDuplicates().map(({ key, why }) => [key, why])).to.deep.equal([
      ['a', 'delivered again while p1 was alive'],
      ['b', 'attempt 1 after attempt 1'],
    ]);
    expect(ledger.lost()).to.deep.equal(['c']);
  });
});
