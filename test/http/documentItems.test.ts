/**
 * Items that bring their own data (issue 13, part 3; seed 000's bulk resume upload) against the real service: an
 * open run takes documents (XML, JSON) and files (multipart) as items, each a new record of the run's doc type,
 * eligible at once; a record shows the runs that acted on it; the endpoint honours Idempotency-Key. On SQLite and,
 * when `MONGODB_URI` names a server, on MongoDB.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, getJson, invocationContextBody, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { actingAs, createRole, createTenant, createUser } from '../security/support.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const MODES = { supportsDocList: true, supportsSingleDoc: true };
/** Small, so that a test reaches it with a cheap upload. */
const BODY_LIMIT = 64 * 1024;

const mongodbUri = ownMongoUri('documents');
describeDocumentItems('SQLite', undefined);
if (mongodbUri === undefined) console.log('HTTP document items on MongoDB skipped: MONGODB_URI is not set');
else describeDocumentItems('MongoDB', mongodbUri);

function describeDocumentItems(engine: string, mongoUri: string | undefined): void {
describe(`HTTP items that bring their own data (${engine})`, function () {
  // A service on MongoDB (or its shared emulator under load) takes longer to start: indexes, Agenda's collections.
  this.timeout(mongoUri === undefined ? 60_000 : 180_000);
  let service: TestService;
  let plugins: { dir: string; cleanup: () => Promise<void> };
  let job: string;

  before(async () => {
    plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    service = await startTestService({ pluginsDir: plugins.dir, bodyLimit: BODY_LIMIT, ...(mongoUri !== undefined && { mongodbUri: mongoUri }) });
    job = await createDefinition(service, { name: 'Record items', forDocTypes: { forDocType: ['CollectionObject'] }, ...MODES, className: 'test.RecordItems' });
  });
  after(async () => {
    await (service as TestService | undefined)?.stop();
    await plugins.cleanup();
    if (mongoUri !== undefined) await dropMongoDatabase(mongoUri);
  });

  async function openRun(client = service): Promise<string> {
    const res = await client.request(`/cspace-services/batch/${job}/runs`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: invocationContextBody({ mode: 'list', docType: 'CollectionObject' }),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return res.headers.get('location') ?? '';
  }
  const post = (location: string, body: string | FormData, headers: Record<string, string> = {}, client = service) =>
    client.request(`${location}/documents`, { method: 'POST', headers: { Accept: JSON_TYPE, ...headers }, body });
  const listed = async (res: Response): Promise<any[]> => [((await res.json()) as any)['ns2:abstract-common-list']['list-item'] ?? []].flat();
  const recordCount = async () => (await service.store.records.list('default' as never, { docTypes: ['CollectionObject'], paging: { pageNum: 0, pageSize: 0 } })).totalItems;
  const itemsDone = (location: string, count: number) =>
    waitFor(`${count} items processed`, async () => {
      const run = (await getJson(service, location))['ns2:run'];
      return Number(run.noOfItemsProcessed) === count ? run : undefined;
    });

  it('makes each XML document a record of the run and an item, eligible at once; the record lists its runs (XML)', async () => {
    const location = await openRun();
    const res = await post(
      location,
      '<items><document name="CollectionObject"><objectNumber>R-1</objectNumber><title>Resume one</title></document>' +
        '<document><objectNumber>R-2</objectNumber><fail>yes</fail></document></items>',
      { 'Content-Type': XML_TYPE, Accept: XML_TYPE },
    );
    expect(res.status, await res.clone().text()).to.equal(201);
    const xml = await res.text();
    const csids = [...xml.matchAll(/<csid>([0-9a-f-]{36})<\/csid><uri>\/records\/CollectionObject\/\1<\/uri><docType>CollectionObject<\/docType>/g)].map((m) => m[1]!);
    expect(csids, xml).to.have.length(2);
    // Eligible at once: the open run processes them without a close.
    const run = await itemsDone(location, 2);
    expect(run).to.include({ status: 'InProgress', noOfItemsPosted: '2', noOfItemsFailed: '1' });
    const record = (await getJson(service, `/cspace-services/records/CollectionObject/${csids[0]}`)).document;
    expect(record).to.include({ objectNumber: 'R-1', title: 'Resume one' });

    const runs = await service.request(`/cspace-services/records/CollectionObject/${csids[1]}/runs`, { headers: { Accept: XML_TYPE } });
    expect(runs.status).to.equal(200);
    const runsXml = await runs.text();
    const runId = location.split('/').pop();
    expect(runsXml).to.include(`<runId>${runId}</runId><uri>/runs/${runId}</uri><definitionCsid>${job}</definitionCsid>`);
    expect(runsXml, runsXml).to.match(/<runStatus>InProgress<\/runStatus>.*<itemStatus>Failed<\/itemStatus><attempts>\d<\/attempts><error>[^<]*record R-2 refuses<\/error>/s);
    expect(runsXml).to.include('<totalItems>1</totalItems>');
  });

  it('takes JSON documents, honours Idempotency-Key (a repeat replays, another body is 422), and lists runs in JSON', async () => {
    const location = await openRun();
    const body = (number: string) => JSON.stringify({ items: { document: [{ '@name': 'CollectionObject', objectNumber: number }] } });
    const headers = { 'Content-Type': JSON_TYPE, 'Idempotency-Key': '"upload-1"' };
    const before = await recordCount();
    const first = await post(location, body('J-1'), headers);
    expect(first.status, await first.clone().text()).to.equal(201);
    const firstText = await first.text();
    const repeat = await post(location, body('J-1'), headers);
    expect(repeat.status).to.equal(201);
    expect(repeat.headers.get('idempotent-replayed')).to.equal('true');
    expect(await repeat.text()).to.equal(firstText);
    const other = await post(location, body('J-2'), headers);
    expect(other.status).to.equal(422);
    expect(await recordCount()).to.equal(before + 1);

    const [item] = [JSON.parse(firstText)['ns2:abstract-common-list']['list-item']].flat();
    await itemsDone(location, 1);
    const runs = (await getJson(service, `/cspace-services/records/CollectionObject/${item.csid}/runs`))['ns2:abstract-common-list'];
    expect(runs.totalItems).to.equal('1');
    expect(runs['list-item']).to.include({ runId: location.split('/').pop(), definitionName: 'Record items', itemStatus: 'Completed', attempts: '1' });
  });

  it('makes each uploaded file a record whose file is served back as sent and read whole by the plugin, in its tenant only; a repeated upload with its key replays', async () => {
    const location = await openRun();
    const pdf = Buffer.from('%PDF-1.4 resume of Ada\n\u0000\u00ff', 'latin1');
    const form = (second: string) => {
      const data = new FormData();
      data.append('file', new Blob([pdf], { type: 'application/pdf' }), 'ada.pdf');
      data.append('file', new Blob([second], { type: 'text/plain' }), 'grace.txt');
      return data;
    };
    const res = await post(location, form('Grace Hopper'), { 'Idempotency-Key': '"files-1"' });
    expect(res.status, await res.clone().text()).to.equal(201);
    const items = await listed(res.clone());
    expect(items.map((item) => item.fileName)).to.deep.equal(['ada.pdf', 'grace.txt']);
    expect((await post(location, form('Grace Hopper'), { 'Idempotency-Key': '"files-1"' })).headers.get('idempotent-replayed')).to.equal('true');
    expect((await post(location, form('Grace Brewster Hopper'), { 'Idempotency-Key': '"files-1"' })).status).to.equal(422);
    await itemsDone(location, 2);

    // The plugin read each file's bytes whole through ctx.records.file.
    const runItems = [(await getJson(service, `${location}/items`))['ns2:abstract-common-list']['list-item']].flat();
    const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
    expect(runItems.map((item: any) => item.note)).to.deep.equal([`ada.pdf ${pdf.length} ${sha256(pdf)}`, `grace.txt 12 ${sha256('Grace Hopper')}`]);

    const file = await service.request(`/cspace-services/records/CollectionObject/${items[0].csid}/file`);
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.equal('application/pdf');
    expect(file.headers.get('content-disposition')).to.equal('attachment; filename=ada.pdf');
    expect(Buffer.from(await file.arrayBuffer()).equals(pdf)).to.equal(true);
    const record = (await getJson(service, `/cspace-services/records/CollectionObject/${items[0].csid}`)).document;
    expect(record.file).to.include({ name: 'ada.pdf', mediaType: 'application/pdf', size: String(pdf.length) });
    expect(record.file.sha256).to.match(/^[0-9a-f]{64}$/);
    const text = await service.request(`/cspace-services/records/CollectionObject/${items[1].csid}/file`);
    expect(await text.text()).to.equal('Grace Hopper');
    // Another tenant sees neither the file nor the record's runs.
    const other = await createTenant(service);
    expect((await other.request(`/cspace-services/records/CollectionObject/${items[0].csid}/file`)).status).to.equal(404);
    expect((await other.request(`/cspace-services/records/CollectionObject/${items[0].csid}/runs`)).status).to.equal(404);
    // A record without a file, and a file asked under another doc type: 404.
    const plain = await service.store.records.create('default' as never, 'CollectionObject', { objectNumber: 'plain' }, 'test');
    expect((await service.request(`/cspace-services/records/CollectionObject/${plain.csid}/file`)).status).to.equal(404);
    expect((await service.request(`/cspace-services/records/Person/${items[0].csid}/file`)).status).to.equal(404);
  });

  it('refuses, keeping nothing: too large an upload, a form field, too many files, a nameless one, a document of another doc type, a closed run', async () => {
    const location = await openRun();
    const before = await recordCount();
    const big = new FormData();
    big.append('file', new Blob([Buffer.alloc(BODY_LIMIT + 1, 1)]), 'big.bin');
    const tooLarge = await post(location, big);
    expect(tooLarge.status).to.equal(413);
    expect(((await tooLarge.json()) as any).error.code).to.equal('PAYLOAD_TOO_LARGE');

    const withField = new FormData();
    withField.append('note', 'hello');
    withField.append('file', new Blob(['x']), 'x.txt');
    const field = await post(location, withField);
    expect(field.status).to.equal(400);
    expect(((await field.json()) as any).error.message).to.include("Form field 'note'");

    const many = new FormData();
    for (let i = 0; i < 21; i += 1) many.append('file', new Blob([`cv ${i}`]), `cv-${i}.txt`);
    const tooMany = await post(location, many);
    expect(tooMany.status).to.equal(400);
    expect(((await tooMany.json()) as any).error.message).to.include('At most 20 files');
    const nameless = await post(location, '--b\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\nx\r\n--b--\r\n', {
      'Content-Type': 'multipart/form-data; boundary=b',
    });
    expect(nameless.status).to.equal(400);
    const noBoundary = await post(location, 'x', { 'Content-Type': 'multipart/form-data' });
    expect(noBoundary.status).to.equal(400);

    const otherType = await post(location, '<items><document name="Person"><name>P</name></document></items>', { 'Content-Type': XML_TYPE });
    expect(otherType.status).to.equal(400);
    const empty = await post(location, '<items/>', { 'Content-Type': XML_TYPE });
    expect(empty.status).to.equal(400);

    expect((await service.request(`${location}/close`, { method: 'POST' })).status).to.equal(200);
    const closed = await post(location, JSON.stringify({ items: { document: { objectNumber: 'late' } } }), { 'Content-Type': JSON_TYPE });
    expect(closed.status).to.equal(409);
    expect(await recordCount()).to.equal(before);
    expect((await service.request(`${location}/documents`, { method: 'GET' })).status).to.equal(405);
  });

  it('needs the right to create records besides that to add items', async () => {
    await createRole(service, 'adder', { invoke: 'I', definitions: 'RL', runs: 'RUL', records: 'RL' });
    const adder = actingAs(service, await createUser(service, 'adam', ['adder']));
    const location = await openRun(adder);
    const before = await recordCount();
    const res = await post(location, JSON.stringify({ items: { document: { objectNumber: 'no' } } }), { 'Content-Type': JSON_TYPE }, adder);
    expect(res.status).to.equal(403);
    expect(await recordCount()).to.equal(before);
  });
});
}
