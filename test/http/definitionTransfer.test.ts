/**
 * Definitions between tenants and installations (issue 13, part 7): `GET /batch/export` and `POST /batch/import`
 * with Rundeck's dupe rules, against the real service: on its SQLite store, or on a MongoDB database of its own
 * when `MONGODB_URI` is set.
 */
import { expect } from 'chai';
import type { Config } from '../../src/config.js';
import { createDefinition, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createUser } from '../security/support.js';

const BATCH_NS = 'http://collectionspace.org/services/batch';
const EXPORT = '/cspace-services/batch/export';
const IMPORT = '/cspace-services/batch/import';

const LOAN_OUT = {
  name: 'Transfer: loan out',
  notes: 'Makes a loan',
  forDocTypes: { forDocType: ['CollectionObject'] },
  supportsSingleDoc: true,
  createsNewFocus: true,
  className: 'create-and-link-loan-out',
};
const NOOP = { name: 'Transfer: noop', supportsNoContext: true, className: 'noop' };

function entryJson(fields: Record<string, unknown>, csid?: string): Record<string, unknown> {
  return { '@name': 'batch', ...(csid && { '@csid': csid }), 'ns2:batch_common': { '@xmlns:ns2': BATCH_NS, ...fields } };
}

function importBody(...entries: Array<Record<string, unknown>>): string {
  return JSON.stringify({ 'batch-definitions': { document: entries } });
}

async function send(client: TestService, pathname: string, body: string, type = JSON_TYPE, accept = JSON_TYPE): Promise<Response> {
  return client.request(pathname, { method: 'POST', headers: { 'Content-Type': type, Accept: accept }, body });
}

async function reportOf(res: Response, status = 200): Promise<any> {
  expect(res.status, await res.clone().text()).to.equal(status);
  const report = ((await res.json()) as any)['batch-import-report'];
  return { ...report, entry: [report.entry].flat() };
}

async function readDefinition(client: TestService, csid: string): Promise<any> {
  const res = await client.request(`/cspace-services/batch/${csid}`, { headers: { Accept: JSON_TYPE } });
  expect(res.status, await res.clone().text()).to.equal(200);
  return ((await res.json()) as any).document;
}

async function namesIn(client: TestService, name: string): Promise<string[]> {
  const query = encodeURIComponent(`batch_common:name = "${name}"`);
  const res = await client.request(`${EXPORT}?as=${query}`, { headers: { Accept: JSON_TYPE } });
  expect(res.status).to.equal(200);
  return [((await res.json()) as any)['batch-definitions'].document ?? []].flat().map((doc: any) => doc['@csid']);
}

/** The service on the store `MONGODB_URI` chooses, and that store's settings; stopping it drops its MongoDB database. */
async function start(overrides: Partial<Config> = {}): Promise<TestService & { storeSettings: Pick<Config, 'dataDir' | 'mongodbUri'> }> {
  const mongodbUri = ownMongoUri('inv_transfer');
  const service = await startTestService({ ...overrides, mongodbUri });
  return {
    ...service,
    storeSettings: { dataDir: service.dataDir, mongodbUri },
    stop: async () => {
      await service.stop();
      if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
    },
  };
}

describe(`HTTP /cspace-services/batch/export and /batch/import (${process.env.MONGODB_URI ? 'MongoDB' : 'SQLite'})`, () => {
  let service: Awaited<ReturnType<typeof start>>;
  beforeEach(async () => {
    service = await start();
  });
  afterEach(async () => {
    await service.stop();
  });

  it('exports selected definitions as XML and imports that document into another tenant, per-item limits included', async () => {
    const loanOut = await createDefinition(service, LOAN_OUT, { itemRetries: 2, itemTimeoutMs: 5000 });
    const noop = await createDefinition(service, NOOP);
    const exported = await service.request(`${EXPORT}?csid=${noop}&csid=${loanOut}`, { headers: { Accept: XML_TYPE } });
    expect(exported.status).to.equal(200);
    const xml = await exported.text();
    expect(xml).to.include('<batch-definitions>').and.include('<totalItems>2</totalItems>');
    expect(xml).to.include(`<document name="batch" csid="${noop}">`).and.include('<itemRetries>2</itemRetries>');
    // Selected csids come out in the order asked for.
    expect(xml.indexOf(noop)).to.be.lessThan(xml.indexOf(loanOut));

    const inB = await createTenant(service);
    const report = await reportOf(await send(inB, IMPORT, xml, XML_TYPE));
    expect(report).to.include({ created: '2', updated: '0', skipped: '0', failed: '0' });
    expect(report.entry.map((entry: any) => [entry.position, entry.sourceCsid, entry.name, entry.status])).to.deep.equal([
      ['1', noop, NOOP.name, 'created'],
      ['2', loanOut, LOAN_OUT.name, 'created'],
    ]);
    const copy = await readDefinition(inB, report.entry[1].csid);
    expect(report.entry[1].uri).to.equal(`/batch/${report.entry[1].csid}`);
    expect(copy['ns2:batch_common']).to.include({ name: LOAN_OUT.name, notes: 'Makes a loan', supportsSingleDoc: 'true', className: 'create-and-link-loan-out' });
    expect(copy['ns2:batch_invocables']).to.include({ itemRetries: '2', itemTimeoutMs: '5000' });
    expect(copy['ns2:collectionspace_core'].tenantId).to.equal('museum-b');
    // The copy lives in tenant B only: the default tenant still has one of each.
    expect(await namesIn(service, LOAN_OUT.name)).to.deep.equal([loanOut]);
  });

  it('imports JSON under each dupe rule: skip keeps, update replaces every field, create adds beside', async () => {
    const loanOut = await createDefinition(service, LOAN_OUT, { itemRetries: 2 });
    const changed = { ...LOAN_OUT, notes: undefined, supportsDocList: true };
    const body = importBody(entryJson(changed), entryJson(NOOP));

    const skipped = await reportOf(await send(service, `${IMPORT}?dupe=skip`, body));
    expect(skipped).to.include({ created: '1', skipped: '1' });
    expect(skipped.entry[0]).to.include({ status: 'skipped', csid: loanOut });
    const noop = skipped.entry[1].csid;
    expect((await readDefinition(service, loanOut))['ns2:batch_common']).to.include({ notes: 'Makes a loan' });

    const updated = await reportOf(await send(service, `${IMPORT}?dupe=UPDATE`, body));
    expect(updated).to.include({ created: '0', updated: '2' });
    expect(updated.entry.map((entry: any) => entry.csid)).to.deep.equal([loanOut, noop]);
    const replaced = await readDefinition(service, loanOut);
    expect(replaced['ns2:batch_common']).to.include({ supportsDocList: 'true' }).and.not.have.property('notes');
    expect(replaced).to.not.have.property('ns2:batch_invocables');

    const created = await reportOf(await send(service, IMPORT, body));
    expect(created).to.include({ created: '2' });
    expect(created.entry[0].csid).to.not.equal(loanOut);
    expect(await namesIn(service, LOAN_OUT.name)).to.have.members([loanOut, created.entry[0].csid]);

    // Two definitions now have the first name: an update cannot tell which one is meant, and says so for that entry only.
    const ambiguous = await reportOf(await send(service, `${IMPORT}?dupe=update`, importBody(entryJson(changed), entryJson({ ...NOOP, name: 'Transfer: other' }))), 207);
    expect(ambiguous).to.include({ created: '1', updated: '0', failed: '1' });
    expect(ambiguous.entry[0].status).to.equal('failed');
    expect(ambiguous.entry[0].error).to.include({ code: 'CONFLICT', message: `2 definitions are named '${LOAN_OUT.name}': an update needs exactly one` });
  });

  it('two imports of one document at once, through two services sharing the store, store one definition per name; the other reports it skipped or updated', async () => {
    const twin = await startTestService(service.storeSettings);
    try {
      for (const dupe of ['skip', 'update']) {
        const named = Array.from({ length: 20 }, (_, i) => `Raced ${dupe} ${i}`);
        const body = importBody(...named.map((name) => entryJson({ ...NOOP, name })));
        const reports = await Promise.all([service, twin].map(async (client) => reportOf(await send(client, `${IMPORT}?dupe=${dupe}`, body))));
        for (const [i, name] of named.entries()) {
          const [first, second] = reports.map((report) => report.entry[i]);
          expect([first.status, second.status].sort(), name).to.deep.equal(['created', dupe === 'skip' ? 'skipped' : 'updated']);
          expect(second.csid, name).to.equal(first.csid);
          expect(await namesIn(service, name), name).to.deep.equal([first.csid]);
        }
      }
    } finally {
      await twin.stop();
    }
  });

  it('exports all definitions matching the list filters, as JSON that imports back unchanged', async () => {
    await createDefinition(service, LOAN_OUT);
    await createDefinition(service, NOOP);
    const res = await service.request(`${EXPORT}?classname=noop&sortBy=name`, { headers: { Accept: JSON_TYPE } });
    expect(res.status).to.equal(200);
    const exported = ((await res.json()) as any)['batch-definitions'];
    const documents = [exported.document].flat();
    expect(documents.map((doc: any) => doc['ns2:batch_common'].className)).to.satisfy((names: string[]) => names.every((name) => name === 'noop'));
    expect(documents.map((doc: any) => doc['ns2:batch_common'].name)).to.include(NOOP.name);
    expect(exported.totalItems).to.equal(String(documents.length));

    const inB = await createTenant(service);
    const report = await reportOf(await send(inB, `${IMPORT}?dupe=skip`, JSON.stringify({ 'batch-definitions': exported })));
    expect(Number(report.created) + Number(report.skipped)).to.equal(documents.length);
    expect(report.failed).to.equal('0');
    expect(await namesIn(inB, NOOP.name)).to.have.length(1);
  });

  it('reports each invalid definition with its errors and stores the valid ones', async () => {
    const body = importBody(
      entryJson({ name: 'Transfer: unknown plugin', className: 'no-such-plugin' }, 'src-1'),
      entryJson(NOOP, 'src-2'),
      entryJson({ name: 'Transfer: bad flag', supportsGroup: 'maybe', className: 'noop' }, 'src-3'),
      { '@name': 'batch', 'ns2:something_else': {} },
    );
    const report = await reportOf(await send(service, IMPORT, body), 207);
    expect(report).to.include({ created: '1', failed: '3' });
    expect(report.entry.map((entry: any) => [entry.sourceCsid, entry.status])).to.deep.equal([
      ['src-1', 'failed'],
      ['src-2', 'created'],
      ['src-3', 'failed'],
      [undefined, 'failed'],
    ]);
    expect(report.entry[0].error.code).to.equal('VALIDATION_FAILED');
    expect(report.entry[0].name).to.equal('Transfer: unknown plugin');
    expect(report.entry[2].error.details.detail).to.deep.include({ path: 'batch_common/supportsGroup', message: 'must be boolean' });
    expect(report.entry[3].error.message).to.be.a('string');
    expect(await namesIn(service, 'Transfer: unknown plugin')).to.deep.equal([]);
    expect(await namesIn(service, 'Transfer: bad flag')).to.deep.equal([]);
    // The same report in XML.
    const xml = await send(service, IMPORT, `<batch-definitions><document name="batch"><ns2:batch_common xmlns:ns2="${BATCH_NS}"><name>x</name><className>no-such-plugin</className></ns2:batch_common></document></batch-definitions>`, XML_TYPE, XML_TYPE);
    expect(xml.status).to.equal(207);
    expect(await xml.text()).to.match(/<batch-import-report><created>0<\/created>.*<failed>1<\/failed><entry><position>1<\/position><name>x<\/name><status>failed<\/status><error><code>VALIDATION_FAILED<\/code>/s);
  });

  it('refuses a whole request that is malformed, empty, of another root, or names an unknown dupe rule or csid, storing nothing', async () => {
    const noop = importBody(entryJson(NOOP));
    const answers = [
      await send(service, IMPORT, '{"batch-definitions": {'),
      await send(service, IMPORT, JSON.stringify({ 'batch-definitions': {} })),
      await send(service, IMPORT, JSON.stringify({ document: entryJson(NOOP) })),
      await send(service, `${IMPORT}?dupe=merge`, noop),
      await send(service, `${IMPORT}?dupe=skip&dupe=update`, noop),
      await send(service, IMPORT, importBody(...Array.from({ length: 2501 }, () => entryJson(NOOP)))),
    ];
    expect(answers.map((res) => res.status)).to.deep.equal([400, 400, 400, 400, 400, 400]);
    expect(((await answers[5]!.json()) as any).error.message).to.equal('An import takes 1 to 2500 definitions, this one has 2501');
    const rule = ((await answers[3]!.json()) as any).error;
    expect(rule.details.detail).to.deep.equal({ path: 'dupe', message: "'merge' is not one of skip, update, create" });
    expect(await namesIn(service, NOOP.name)).to.deep.equal([]);
    const missing = await service.request(`${EXPORT}?csid=00000000-0000-0000-0000-000000000000`, { headers: { Accept: JSON_TYPE } });
    expect(missing.status).to.equal(404);
    // Paged as lists are, under the same bound on the offset (the default page here being the largest, 2500).
    const pastEnd = await service.request(`${EXPORT}?pgNum=${Math.floor(Number.MAX_SAFE_INTEGER / 2500) + 1}`, { headers: { Accept: JSON_TYPE } });
    expect(pastEnd.status).to.equal(400);
    expect(((await pastEnd.json()) as any).error.details.detail.path).to.equal('pgNum');
    const combined = await service.request(`${EXPORT}?csid=x&classname=noop`, { headers: { Accept: JSON_TYPE } });
    expect(combined.status).to.equal(400);
    expect(((await combined.json()) as any).error.details.detail).to.deep.equal({ path: 'csid', message: 'cannot be combined with classname' });
    expect((await service.request(EXPORT, { method: 'DELETE' })).status).to.equal(405);
    expect((await service.request(IMPORT)).status).to.equal(405);
  });

  it('needs the create right to import, the update right to import with dupe=update, and list and read to export', async () => {
    await createRole(service, 'creator', { definitions: 'CL' });
    await createRole(service, 'reader', { definitions: 'RL' });
    const creator = actingAs(service, await createUser(service, 'cora', ['creator']));
    const reader = actingAs(service, await createUser(service, 'rex', ['reader']));
    const body = importBody(entryJson(NOOP));
    expect((await send(reader, IMPORT, body)).status).to.equal(403);
    expect((await send(creator, `${IMPORT}?dupe=update`, body)).status).to.equal(403);
    expect(await namesIn(service, NOOP.name)).to.deep.equal([]);
    const report = await reportOf(await send(creator, `${IMPORT}?dupe=skip`, body));
    expect(report.entry[0].status).to.equal('created');
    expect((await creator.request(EXPORT)).status).to.equal(403);
    expect((await reader.request(EXPORT)).status).to.equal(200);
    // Another tenant's definition is not found, as with a single GET.
    const inB = await createTenant(service);
    expect((await inB.request(`${EXPORT}?csid=${report.entry[0].csid}`)).status).to.equal(404);
  });

  it('refuses an import over BODY_LIMIT with 413 and stores none of it', async () => {
    await service.stop();
    service = await start({ bodyLimit: 2048 });
    const entries = Array.from({ length: 20 }, (_, index) => entryJson({ ...NOOP, name: `Transfer: big ${index}` }));
    const res = await send(service, IMPORT, importBody(...entries));
    expect(res.status).to.equal(413);
    expect(await namesIn(service, 'Transfer: big 0')).to.deep.equal([]);
  });
});
