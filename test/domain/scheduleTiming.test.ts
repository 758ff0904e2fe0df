import { expect } from 'chai';
import { ValidationError } from '../../src/domain/errors.js';
import { parseEvery } from '../../src/domain/scheduleTiming.js';

/** The message `parseEvery` refuses `every` with (and that it names the field). */
function refusal(every: string): string {
  try {
    parseEvery(every);
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    expect((err as ValidationError).details[0]?.path).to.equal('schedule/every');
    return (err as ValidationError).message;
  }
  throw new Error(`'${every}' was accepted`);
}

describe('domain: schedule timing (parseEvery)', () => {
  it('reads intervals as whole units, in milliseconds, with one or several parts', () => {
    expect(parseEvery('1500 milliseconds')).to.deep.equal({ kind: 'interval', ms: 1500 });
    expect(parseEvery('1500ms')).to.deep.equal({ kind: 'interval', ms: 1500 });
    expect(parseEvery('1 second')).to.deep.equal({ kind: 'interval', ms: 1000 });
    expect(parseEvery('10 Minutes')).to.deep.equal({ kind: 'interval', ms: 600_000 });
    expect(parseEvery('1 hour 30 minutes')).to.deep.equal({ kind: 'interval', ms: 5_400_000 });
    expect(parseEvery(' 2  days ')).to.deep.equal({ kind: 'interval', ms: 172_800_000 });
    expect(parseEvery('1 week 1 ms')).to.deep.equal({ kind: 'interval', ms: 604_800_001 });
  });

  it('reads cron expressions of 5 or 6 fields and aliases, checked in the time zone', () => {
    expect(parseEvery('*/5 * * * *')).to.deep.equal({ kind: 'cron', expression: '*/5 * * * *' });
    expect(parseEvery('*/2 * * * * *')).to.deep.equal({ kind: 'cron', expression: '*/2 * * * * *' });
    expect(parseEvery('0 9 * * MON', 'Europe/Paris')).to.deep.equal({ kind: 'cron', expression: '0 9 * * MON' });
    expect(parseEvery('@daily')).to.deep.equal({ kind: 'cron', expression: '@daily' });
    expect(parseEvery('0 0 29 2 *'), 'leap days exist').to.deep.equal({ kind: 'cron', expression: '0 0 29 2 *' });
  });

  it('says precisely why a value is refused', () => {
    expect(refusal('1 millisecond')).to.equal("'1 millisecond' is 1 ms: a schedule fires at most once a second");
    expect(refusal('0 seconds')).to.equal("'0 seconds' is 0 ms: a schedule fires at most once a second");
    expect(refusal('every 1 minute')).to.equal("'every 1 minute': write '1 minute'");
    expect(refusal('every */5 * * * *')).to.equal("'every */5 * * * *': write '*/5 * * * *'");
    expect(refusal('0 0 31 2 *')).to.equal("'0 0 31 2 *' never fires: February has no 31st");
    expect(refusal('0 0 30 FEB *')).to.equal("'0 0 30 FEB *' never fires: February has no 30th");
    expect(refusal('0 0 31 4,6 *')).to.equal("'0 0 31 4,6 *' never fires: April and June have no 31st");
    expect(refusal('10')).to.equal("'10' has no unit: write e.g. '10 minutes'");
    expect(refusal('1.5 hours')).to.equal("'1.5 hours': an interval counts whole units");
    expect(refusal('2 fortnights')).to.equal("'2 fortnights': unknown unit 'fortnights'");
    expect(refusal('1 minute 2 minutes')).to.equal("'1 minute 2 minutes' names minutes twice");
    expect(refusal('367 days')).to.equal("'367 days' is longer than 366 days: use a cron expression or an <at> time");
    expect(refusal('every so often')).to.equal(
      "'every so often' is neither a cron expression such as '*/5 * * * *' nor an interval such as '10 minutes'",
    );
    expect(refusal('0 99 * * *')).to.equal("'0 99 * * *' is not a valid cron expression: Constraint error, got value 99 expected range 0-23");
    expect(refusal('* * * * * * *')).to.match(/^'\* \* \* \* \* \* \*' is neither a cron expression/);
  });
});
