import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { RefreshWheel } from '../lib/refresh-wheel.js';

describe('RefreshWheel', () => {
  let scheduler: VirtualTimeScheduler;
  let wheel: RefreshWheel;
  let ran: string[];

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    wheel = new RefreshWheel(scheduler);
    ran = [];
  });

  const record = (name: string) => () => ran.push(`${name}@${scheduler.now()}`);

  it('runs each refresh once, at its time, in time order', () => {
    wheel.at(record('b'), 200);
    wheel.at(record('a'), 100);
    wheel.at(record('c'), 300);
    scheduler.flush();
    expect(ran).to.deep.equal(['a@100', 'b@200', 'c@300']);
  });

  it('a refresh that was left never runs; the others still do', () => {
    const leave = wheel.at(record('left'), 100);
    wheel.at(record('kept'), 150);
    leave();
    scheduler.flush();
    expect(ran).to.deep.equal(['kept@150']);
  });

  it('a refresh added for an earlier time than the armed one re-arms the timer', () => {
    wheel.at(record('late'), 500);
    wheel.at(record('early'), 50);
    scheduler.flush();
    expect(ran).to.deep.equal(['early@50', 'late@500']);
  });

  it('a refresh may add the next one while it runs', () => {
    let rounds = 0;
    const refresh = () => {
      ran.push(`r@${scheduler.now()}`);
      rounds += 1;
      if (rounds < 3) wheel.at(refresh, scheduler.now() + 100);
    };
    wheel.at(refresh, 100);
    scheduler.flush();
    expect(ran).to.deep.equal(['r@100', 'r@200', 'r@300']);
  });

  it('after the last refresh is left the timer fires at most once more, then nothing is scheduled', () => {
    const leave = wheel.at(record('x'), 100);
    leave();
    scheduler.flush();
    expect(ran).to.deep.equal([]);
    expect(scheduler.actions).to.have.length(0);
  });

  it('stop() cancels everything, and the wheel works again afterwards', () => {
    wheel.at(record('stopped'), 100);
    wheel.stop();
    expect(scheduler.actions.filter((action) => !action.closed)).to.have.length(0);
    wheel.at(record('after'), 200);
    scheduler.flush();
    expect(ran).to.deep.equal(['after@200']);
  });
});
