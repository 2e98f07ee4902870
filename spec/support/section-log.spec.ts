import { expect } from 'chai';
import { SectionLog } from './section-log.js';

describe('SectionLog (the fault suite’s shared log of critical sections)', () => {
  it('SectionLog#enter() records an overlap when another section is still open, and a fence that does not increase', () => {
    const log = new SectionLog();
    log.enter('p1', 5);
    log.enter('p2', 5);
    expect(log.overlaps.map(({ open, entering }) => [open.who, entering.who])).to.deep.equal([['p1', 'p2']]);
    expect(log.fenceRegressions).to.have.length(1);
  });

  it('SectionLog: sections that follow each other, ended by exit, loss or death, are no overlap', () => {
    const log = new SectionLog();
    log.enter('p1', 1);
    log.exit('p1', 'exit');
    log.enter('p2', 2);
    log.exit('p2', 'lost');
    log.enter('p3', 3);
    log.died('p3');
    log.enter('p4', 4);
    expect(log.overlaps).to.deep.equal([]);
    expect(log.fenceRegressions).to.deep.equal([]);
    expect(log.sections.map((s) => s.end)).to.deep.equal(['exit', 'lost', 'killed', null]);
    expect(log.holder).to.equal('p4');
  });

  it('SectionLog ignores what arrives from a process after it was seen dead: it never got the ack, so it did no work', () => {
    const log = new SectionLog();
    log.died('p1');
    log.enter('p1', 1);
    log.enter('p2', 2);
    expect(log.overlaps).to.deep.equal([]);
    expect(log.sections.map((s) => s.who)).to.deep.equal(['p2']);
  });
});
