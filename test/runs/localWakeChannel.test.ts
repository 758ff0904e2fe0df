import { expect } from 'chai';
import { InMemoryNotificationChannel, toJobId, type JobNotification, type JobStateNotification } from 'agenda';
import { LocalWakeChannel } from '../../src/runs/localWakeChannel.js';

describe('LocalWakeChannel', () => {
  const saved: JobNotification = { jobId: toJobId('j1'), jobName: 'invocables:run', nextRunAt: new Date(), priority: 0, timestamp: new Date() };

  it('passes job saves and state notifications through the channel it wraps', async () => {
    const channel = new LocalWakeChannel(new InMemoryNotificationChannel());
    await channel.connect();
    const heard: JobNotification[] = [];
    const states: JobStateNotification[] = [];
    channel.subscribe((notification) => void heard.push(notification));
    channel.subscribeState((notification) => void states.push(notification));

    await channel.publish(saved);
    const state: JobStateNotification = { type: 'complete', jobId: saved.jobId, jobName: saved.jobName, timestamp: new Date() };
    await channel.publishState(state);
    expect(heard).to.deep.equal([saved]);
    expect(states).to.deep.equal([state]);
    await channel.disconnect();
  });

  it('tells its own subscribers to look for due jobs of a name, only while connected', async () => {
    const inner = new InMemoryNotificationChannel();
    const channel = new LocalWakeChannel(inner);
    const heard: JobNotification[] = [];
    channel.subscribe((notification) => void heard.push(notification));

    await channel.lookAgain('invocables:run');
    expect(heard, 'not connected yet').to.have.length(0);
    await channel.connect();
    await channel.lookAgain('invocables:run-slot');
    expect(heard.map((notification) => notification.jobName)).to.deep.equal(['invocables:run-slot']);
    expect(heard[0]!.nextRunAt!.getTime()).to.be.at.most(Date.now());

    await channel.disconnect();
    expect(inner.state, 'the wrapped channel is disconnected with it').to.equal('disconnected');
    await channel.lookAgain('invocables:run');
    expect(heard).to.have.length(1);
  });
});
