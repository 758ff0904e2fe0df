/**
 * Idempotent posts (issue 13, part 4): with an `Idempotency-Key` (or the body's `clientRequestId`), starting or
 * opening a run and adding items act once; a repeat gets the first answer, another request under the key 422, a
 * repeat while the first is still being answered 409. Keys belong to a user. Against the real service, on SQLite
 * and, when `MONGODB_URI` names a server, on MongoDB.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { createDefinition, createObjects, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { RunGate } from '../support/runGate.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { actingAs, createRole, createUser } from '../security/support.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const TENANT = 'default' as TenantId;
const NS = 'http://collectionspace.org/services/common/invocable';
const MODES = { supportsDocList: true, supportsSingleDoc: true };
/** Small enough for a test to reach with cheap requests, above the keys the admin's tests use. */
const MAX_KEYS = 20;

const mongodbUri = ownMongoUri('idempotency');
describeIdempotentPosts('SQLite', undefined);
if (mongodbUri === undefined) console.log('HTTP idempotent posts on MongoDB skipped: MONGODB_URI is not set');
else describeIdempotentPosts('MongoDB', mongodbUri);

function describeIdempotentPosts(engine: string, mongoUri: string | undefined): void {
describe(`HTTP idempotent posts (${engine})`, () => {
  let service: TestService;
  let plugins: { dir: string; cleanup: () => Promise<void> };
  let recordItems: string;
  let csids: string[];

  before(async function () {
    // A service on MongoDB (or its emulator under load) takes longer to start: indexes, Agenda's collections.
    this.timeout(60_000);
    plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    service = await startTestService({ pluginsDir: plugins.dir, idempotencyMaxKeys: MAX_KEYS, ...(mongoUri !== undefined && { mongodbUri: mongoUri }) });
    recordItems = await createDefinition(service, { name: 'Record items', forDocTypes: { forDocType: ['CollectionObject'] }, ...MODES, className: 'test.RecordItems' });
    csids = await createObjects(service, 4);
  });
  after(async () => {
    // A service that never started (the before hook failed) has nothing to stop.
    await (service as TestService | undefined)?.stop();
    await plugins.cleanup();
    if (mongoUri !== undefined) await dropMongoDatabase(mongoUri);
  });

  const runCount = async () => (await service.store.runs.list(TENANT, { paging: { pageNum: 0, pageSize: 1 } })).totalItems;
  const jsonContext = (context: Record<string, unknown>) => JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': NS, ...context } });
  const post = (client: TestService, pathname: string, body: string, headers: Record<string, string>) =>
    client.request(`/cspace-services${pathname}`, { method: 'POST', headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, ...headers }, body });
  const startAsync = (key: string, listCSIDs: string[], client = service) =>
    post(client, `/batch/${recordItems}/invoke`, jsonContext({ mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: listCSIDs } }), {
      Prefer: 'respond-async',
      'Idempotency-Key': `"${key}"`,
    });

  it('starts one run for a repeated key (JSON): the repeat gets the same status, Location and body, marked replayed', async () => {
    const before = await runCount();
    const first = await startAsync('start-1', csids.slice(0, 2));
    expect(first.status, await first.clone().text()).to.equal(202);
    expect(first.headers.get('idempotent-replayed')).to.equal(null);
    const firstBody = await first.text();

    const repeat = await startAsync('start-1', csids.slice(0, 2));
    expect(repeat.status).to.equal(202);
    expect(repeat.headers.get('location')).to.equal(first.headers.get('location'));
    expect(repeat.headers.get('idempotent-replayed')).to.equal('true');
    expect(repeat.headers.get('content-type')).to.equal(first.headers.get('content-type'));
    expect(await repeat.text()).to.equal(firstBody);
    expect(await runCount()).to.equal(before + 1);

    const other = await startAsync('start-2', csids.slice(0, 2));
    expect(other.status).to.equal(202);
    expect(other.headers.get('location')).to.not.equal(first.headers.get('location'));
    expect(await runCount()).to.equal(before + 2);
  });

  it('answers 422 to the same key with another body or on another path, and starts nothing', async () => {
    await startAsync('reused', csids.slice(0, 1));
    const before = await runCount();
    const otherBody = await startAsync('reused', csids.slice(0, 3));
    expect(otherBody.status).to.equal(422);
    expect(((await otherBody.json()) as any).error).to.include({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const otherPath = await post(service, `/batch/${recordItems}/runs`, jsonContext({ mode: 'list', docType: 'CollectionObject' }), { 'Idempotency-Key': '"reused"' });
    expect(otherPath.status).to.equal(422);
    expect(await runCount()).to.equal(before);
  });

  it('opens one run and adds items once (XML), with the key in the header or as the body clientRequestId', async () => {
    const open = (extra: string, headers: Record<string, string> = {}) =>
      service.request(`/cspace-services/batch/${recordItems}/runs`, {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE, Accept: XML_TYPE, ...headers },
        body: `<ns2:invocationContext xmlns:ns2="${NS}">${extra}<mode>list</mode><docType>CollectionObject</docType></ns2:invocationContext>`,
      });
    const opened = await open('<clientRequestId>open-xml</clientRequestId>');
    expect(opened.status, await opened.clone().text()).to.equal(201);
    const openedBody = await opened.text();
    const location = opened.headers.get('location') ?? '';
    const runId = location.split('/').pop() ?? '';
    expect(openedBody).to.include(`<id>${runId}</id>`);

    // The same key in the header, the body without it: the same request, so the same answer.
    const byHeader = await open('', { 'Idempotency-Key': '"open-xml"' });
    expect(byHeader.status).to.equal(201);
    expect(byHeader.headers.get('location')).to.equal(location);
    expect(await byHeader.text()).to.equal(openedBody);
    const both = await open('<clientRequestId>open-xml</clientRequestId>', { 'Idempotency-Key': '"open-xml"' });
    expect(both.headers.get('location')).to.equal(location);

    const add = (items: string[], key: string) =>
      service.request(`/cspace-services/runs/${runId}/items`, {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE, Accept: XML_TYPE, 'Idempotency-Key': `"${key}"` },
        body: `<items>${items.map((csid) => `<csid>${csid}</csid>`).join('')}</items>`,
      });
    const added = await add(csids.slice(0, 2), 'add-1');
    expect(added.status, await added.clone().text()).to.equal(200);
    const addedBody = await added.text();
    expect(addedBody).to.include('<noOfItemsPosted>2</noOfItemsPosted>');
    const again = await add(csids.slice(0, 2), 'add-1');
    expect(again.status).to.equal(200);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(await again.text()).to.equal(addedBody);
    expect((await add(csids.slice(2, 3), 'add-1')).status).to.equal(422);
    expect((await service.store.runs.get(TENANT, runId))?.counts.posted).to.equal(2);
  });

  it('adds items once with the key as the JSON body clientRequestId', async () => {
    const opened = await post(service, `/batch/${recordItems}/runs`, jsonContext({ mode: 'list', docType: 'CollectionObject' }), {});
    const runId = ((await opened.json()) as any)['ns2:run'].id as string;
    const add = () => post(service, `/runs/${runId}/items`, JSON.stringify({ items: { clientRequestId: 'add-json', csid: csids.slice(0, 3) } }), {});
    const first = await add();
    expect(first.status, await first.clone().text()).to.equal(200);
    const repeat = await add();
    expect(repeat.headers.get('idempotent-replayed')).to.equal('true');
    expect(await repeat.text()).to.equal(await first.text());
    expect((await service.store.runs.get(TENANT, runId))?.counts.posted).to.equal(3);
  });

  it('answers 409 to a repeat while the first is still being answered, then replays its answer', async () => {
    const gated = await createDefinition(service, { name: 'Gated', forDocTypes: { forDocType: ['CollectionObject'] }, ...MODES, className: 'test.GatedItems' });
    const gate = new RunGate();
    try {
      const body = jsonContext({ mode: 'single', docType: 'CollectionObject', singleCSID: csids[0] });
      const invoke = () => post(service, `/batch/${gated}/invoke`, body, { 'Idempotency-Key': '"slow"' });
      const pending = invoke();
      while (gate.started === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const during = await invoke();
      expect(during.status).to.equal(409);
      expect(during.headers.get('retry-after')).to.equal('1');
      expect(((await during.json()) as any).error).to.include({ code: 'IDEMPOTENCY_KEY_IN_USE' });
      gate.open();
      const first = await pending;
      expect(first.status, await first.clone().text()).to.equal(200);
      const after = await invoke();
      expect(after.status).to.equal(200);
      expect(after.headers.get('idempotent-replayed')).to.equal('true');
      expect(await after.text()).to.equal(await first.text());
      expect(gate.started).to.equal(1);
    } finally {
      gate.close();
    }
  });

  it('has the answer kept by the time the client holds it: a repeat sent the moment it arrives is replayed, never 409', async () => {
    // A user of its own: these keys stay live, and the other cases count theirs against MAX_KEYS.
    await createRole(service, 'idem-quick', { invoke: 'I', definitions: 'RL', runs: 'RUL', records: 'RL' }, 'Idem quick');
    const quick = actingAs(service, await createUser(service, 'idem-quick', ['idem-quick']));
    for (let i = 0; i < MAX_KEYS; i += 1) {
      const first = await startAsync(`at-once-${i}`, [csids[1]!], quick);
      const repeat = await startAsync(`at-once-${i}`, [csids[1]!], quick);
      expect(first.status, await first.clone().text()).to.equal(202);
      expect([repeat.status, repeat.headers.get('idempotent-replayed')], `repeat ${i}`).to.deep.equal([202, 'true']);
      expect(await repeat.text()).to.equal(await first.text());
    }
  });

  it('keeps an answer too large to replay (over 64 KiB) without its body: its repeat gets 409 and runs nothing again', async () => {
    const big = await createDefinition(service, { name: 'Big', forDocTypes: { forDocType: ['CollectionObject'] }, supportsNoContext: true, className: 'test.BigResults' });
    const body = jsonContext({ mode: 'nocontext', params: { param: [{ key: 'noteLength', value: '70000' }] } });
    const invoke = () => post(service, `/batch/${big}/invoke`, body, { 'Idempotency-Key': '"big-answer"' });
    const first = await invoke();
    expect(first.status, (await first.clone().text()).slice(0, 300)).to.equal(200);
    const before = await runCount();
    const repeat = await invoke();
    expect(repeat.status).to.equal(409);
    expect(((await repeat.json()) as any).error.message).to.include('too large to keep');
    expect(await runCount()).to.equal(before);
  });

  it("keeps keys per user: another user's same key acts for them", async () => {
    await createRole(service, 'idem-runner', { invoke: 'I', definitions: 'RL', runs: 'RUL', records: 'RL' }, 'Idem runner');
    const bob = actingAs(service, await createUser(service, 'idem-bob', ['idem-runner']));
    const mine = await startAsync('shared-key', csids.slice(0, 1));
    const theirs = await startAsync('shared-key', csids.slice(0, 1), bob);
    expect(theirs.status, await theirs.clone().text()).to.equal(202);
    expect(theirs.headers.get('idempotent-replayed')).to.equal(null);
    expect(theirs.headers.get('location')).to.not.equal(mine.headers.get('location'));
  });

  it('starts a multi-tenant invocation once (JSON, the key as clientRequestId)', async () => {
    const before = await runCount();
    const body = JSON.stringify({
      multitenantInvocation: {
        clientRequestId: 'across-1',
        className: 'noop',
        tenants: { tenant: ['default'] },
        'ns2:invocationContext': { '@xmlns:ns2': NS, mode: 'nocontext' },
      },
    });
    const first = await post(service, '/batch-multitenant/invoke', body, {});
    expect(first.status, await first.clone().text()).to.equal(200);
    const repeat = await post(service, '/batch-multitenant/invoke', body, {});
    expect(repeat.status).to.equal(200);
    expect(repeat.headers.get('idempotent-replayed')).to.equal('true');
    expect(await repeat.text()).to.equal(await first.text());
    expect(await runCount()).to.equal(before + 1);
  });

  it("bounds a user's live keys with 429, while the keys they hold still answer", async () => {
    await createRole(service, 'idem-limited', { invoke: 'I', definitions: 'RL', runs: 'RUL', records: 'RL' }, 'Idem limited');
    const carol = actingAs(service, await createUser(service, 'idem-carol', ['idem-limited']));
    // A 404 answer is kept like any other 4xx: cheap keys.
    const missing = (key: number) =>
      post(carol, '/batch/00000000-0000-4000-8000-000000000000/invoke', jsonContext({ mode: 'nocontext' }), { 'Idempotency-Key': `"limit-${key}"` });
    for (let key = 0; key < MAX_KEYS; key++) expect((await missing(key)).status).to.equal(404);
    const past = await missing(MAX_KEYS);
    expect(past.status).to.equal(429);
    expect(past.headers.get('retry-after')).to.not.equal(null);
    const held = await missing(0);
    expect(held.status).to.equal(404);
    expect(held.headers.get('idempotent-replayed')).to.equal('true');
  });

  it('refuses a key that is no sf-string, too long, or disagrees with the body, with 400 and starting nothing', async () => {
    const before = await runCount();
    const body = jsonContext({ mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: csids.slice(0, 1) } });
    const invoke = (key: string, text = body) => post(service, `/batch/${recordItems}/invoke`, text, { Prefer: 'respond-async', 'Idempotency-Key': key });
    for (const key of ['bare-token', '"x', `"${'k'.repeat(256)}"`, '""']) {
      const res = await invoke(key);
      expect(res.status, key).to.equal(400);
      expect(((await res.json()) as any).error.details.detail).to.include({ path: 'Idempotency-Key' });
    }
    const disagreeing = jsonContext({ clientRequestId: 'body-key', mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: csids.slice(0, 1) } });
    expect((await invoke('"header-key"', disagreeing)).status).to.equal(400);
    expect(await runCount()).to.equal(before);
  });
});
}
