/**
 * `GET /batch/{csid}` answers a definition from memory while the store's definitions generation stays the same
 * (src/services/keptReads.ts): a write made through another service sharing the store must show at the next read,
 * on the SQLite store, or on a MongoDB database of its own when `MONGODB_URI` is set.
 */
import { expect } from 'chai';
import { createDefinition, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { startTestService, type TestService } from '../support/testService.js';

const BATCH_NS = 'http://collectionspace.org/services/batch';
const NOOP = { name: 'Kept: first', supportsNoContext: true, className: 'noop' };

describe(`HTTP GET /cspace-services/batch/{csid} kept between requests (${process.env.MONGODB_URI ? 'MongoDB' : 'SQLite'})`, function () {
  // A MongoDB-backed service builds its indexes and Agenda's at start, which the shared emulator may take long over.
  if (process.env.MONGODB_URI) this.timeout(120_000);
  let reader: TestService;
  let writer: TestService;
  let mongodbUri: string | undefined;

  beforeEach(async () => {
    mongodbUri = ownMongoUri('inv_kept_definitions');
    reader = await startTestService({ mongodbUri });
    writer = await startTestService({ dataDir: reader.dataDir, mongodbUri });
  });
  afterEach(async () => {
    await writer.stop();
    await reader.stop();
    if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
  });

  const read = async (id: string): Promise<{ status: number; etag: string | null; xml: string }> => {
    const res = await reader.request(`/cspace-services/batch/${id}`, { headers: { Accept: XML_TYPE } });
    return { status: res.status, etag: res.headers.get('etag'), xml: await res.text() };
  };
  const write = async (pathname: string, init: RequestInit): Promise<void> => {
    const res = await writer.request(pathname, init);
    expect(res.status, await res.text()).to.be.oneOf([200, 201]);
  };

  it('shows an update, a soft delete, an alias and a delete made by another service at the next read', async () => {
    const csid = await createDefinition(writer, NOOP);
    const first = await read(csid);
    expect(first.xml).to.include('<name>Kept: first</name>');
    expect(await read(csid), 'the same answer while nothing changed').to.deep.equal(first);

    await write(`/cspace-services/batch/${csid}`, {
      method: 'PUT',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ document: { 'ns2:batch_common': { '@xmlns:ns2': BATCH_NS, ...NOOP, name: 'Kept: second' } } }),
    });
    const updated = await read(csid);
    expect(updated.xml, 'updated elsewhere').to.include('<name>Kept: second</name>');
    expect(updated.etag).to.not.equal(first.etag);

    await write(`/cspace-services/batch/${csid}/workflow/delete`, { method: 'PUT' });
    expect((await read(csid)).xml, 'soft-deleted elsewhere').to.include('<workflowState>deleted</workflowState>');

    expect((await read('kept-alias')).status, 'no such alias yet').to.equal(404);
    await write('/cspace-services/batch/bulk', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ batch_bulk: { entry: [{ '@formId': 'a', '@operation': 'alias', '@csid': csid, '@alias': 'kept-alias' }] } }),
    });
    expect((await read('kept-alias')).xml, 'aliased elsewhere').to.include('<name>Kept: second</name>');

    await write(`/cspace-services/batch/${csid}`, { method: 'DELETE' });
    expect((await read(csid)).status, 'deleted elsewhere').to.equal(404);
    expect((await read('kept-alias')).status, 'its alias gone with it').to.equal(404);
  });
});
