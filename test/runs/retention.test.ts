/**
 * Run retention: the purge job on a real Agenda (our SQLite backend) purges what retention says, is one job
 * however often it is scheduled, and is removed when retention is off; over HTTP, a finished run shows
 * `purgeDateTime` and answers 404 once purged.
 */
import { once } from 'node:events';
import path from 'node:path';
import { expect } from 'chai';
import { Agenda, InMemoryNotificationChannel } from 'agenda';
import { SqliteBackend } from '../../src/runs/agenda-sqlite/index.js';
import { PURGE_JOB_NAME, RunRetention } from '../../src/runs/retention.js';
import { createLogger } from '../../src/log.js';
import type { RunStore } from '../../src/store/runTypes.js';
import { createDefinition, JSON_TYPE } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';

const INVOCABLE_NS = 'http://collectionspace.org/services/common/invocable';
const NOW = new Date('2030-06-01T12:00:00Z');
const DAY = 86_400_000;

describe('run retention: the purge job', () => {
  let agenda: Agenda;
  const purged: Date[] = [];
  const runs = { purge: async (before: Date) => (purged.push(before), 3) } as unknown as RunStore;
  const retention = (retentionMs: number) =>
    new RunRetention({ runs, retentionMs, purgeEveryMs: 3_600_000, logger: createLogger('silent'), now: () => NOW });

  /** Attaches before Agenda starts, as the run executor does: later definitions miss the notification channel. */
  async function started(...subjects: RunRetention[]): Promise<void> {
    for (const subject of subjects) subject.attach(agenda);
    await agenda.start();
  }

  beforeEach(() => {
    purged.length = 0;
    agenda = new Agenda({
      backend: new SqliteBackend({ filename: ':memory:' }),
      notificationChannel: new InMemoryNotificationChannel(),
      processEvery: 60_000,
    });
  });
  afterEach(async () => {
    await agenda.stop();
  });

  it('purges runs finished before now minus retention when Agenda runs it', async () => {
    const subject = retention(30 * DAY);
    await started(subject);
    await subject.schedule();
    await subject.schedule();
    const jobs = await agenda.queryJobs({ name: PURGE_JOB_NAME });
    expect(jobs.total, 'one job however many processes schedule it').to.equal(1);
    expect(Number(jobs.jobs[0]?.repeatInterval)).to.equal(3_600_000);
    expect(purged, 'not at once: the first purge is one interval away').to.deep.equal([]);

    const completed = once(agenda, `complete:${PURGE_JOB_NAME}`);
    await agenda.now(PURGE_JOB_NAME);
    await completed;
    expect(purged).to.deep.equal([new Date(NOW.getTime() - 30 * DAY)]);
  });

  it('removes the job and purges nothing when retention is off', async () => {
    const on = retention(DAY);
    const off = retention(0);
    await started(on);
    await on.schedule();
    off.attach(agenda);
    await off.schedule();
    expect((await agenda.queryJobs({ name: PURGE_JOB_NAME })).total).to.equal(0);
    expect(await off.purgeNow()).to.equal(0);
    expect(purged).to.deep.equal([]);
  });
});

describe('run retention over HTTP', () => {
  let service: TestService | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await service?.stop();
    await cleanup?.();
    service = undefined;
    cleanup = undefined;
  });

  async function finishedRun(client: TestService): Promise<any> {
    const csid = await createDefinition(client, { name: 'note', className: 'test.WholeNote', supportsNoContext: true });
    const res = await client.request(`/cspace-services/batch/${csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NS, mode: 'nocontext' } }),
    });
    expect(res.status, await res.clone().text()).to.equal(202);
    const location = res.headers.get('location') ?? '';
    const deadline = Date.now() + 10_000;
    for (;;) {
      const run = ((await (await client.request(location, { headers: { Accept: JSON_TYPE } })).json()) as any)['ns2:run'];
      if (run.status === 'Completed') return { ...run, location };
      if (Date.now() > deadline) throw new Error(`run ${location} did not complete`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const withFixtures = async (overrides: Parameters<typeof startTestService>[0]) => {
    const plugins = await pluginsDirWith(path.join(REPO_ROOT, 'test/fixtures/plugins/runs'));
    cleanup = plugins.cleanup;
    return startTestService({ pluginsDir: plugins.dir, ...overrides });
  };

  it('shows purgeDateTime as completion plus the default 30 days', async () => {
    service = await withFixtures({});
    const run = await finishedRun(service);
    expect(new Date(run.purgeDateTime).getTime() - new Date(run.completedAt).getTime()).to.equal(30 * DAY);
  });

  it('purges a finished run and its items once past retention: both answer 404', async () => {
    service = await withFixtures({ runRetentionMs: 1 });
    const run = await finishedRun(service);
    expect(new Date(run.purgeDateTime).getTime() - new Date(run.completedAt).getTime()).to.equal(1);
    // The purge cut-off is strictly before now - 1 ms: make sure the clock has moved past completion.
    while (Date.now() <= new Date(run.purgeDateTime).getTime()) await new Promise((resolve) => setImmediate(resolve));
    expect(await service.purgeRuns()).to.equal(1);
    expect((await service.request(run.location, { headers: { Accept: JSON_TYPE } })).status).to.equal(404);
    expect((await service.request(`${run.location}/items`, { headers: { Accept: JSON_TYPE } })).status).to.equal(404);
  });
});
