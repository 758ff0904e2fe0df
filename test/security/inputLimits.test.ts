/**
 * Inputs past a documented limit get a small 4xx that says which limit, never a 500, and change nothing: deeply
 * nested documents, paging past what a store can count to, huge client lists quoted back, bytes that are not
 * UTF-8, and path segments that are not percent-encoded UTF-8.
 */
import { expect } from 'chai';
import { MAX_DOCUMENT_DEPTH } from '../../src/codec/index.js';
import { NAMED_ITEMS_LIMIT, QUOTED_VALUE_LIMIT } from '../../src/domain/errors.js';
import { MAX_PAGE_OFFSET, PAGING_DEFAULTS } from '../../src/domain/paging.js';
import { createDefinition, createRecord, invocationContextBody, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { listItems } from './support.js';

const RECORDS = '/cspace-services/records/CollectionObject';

/** The JSON error of a refused request, after checking its status and code. */
async function refusal(res: Response, status: number, code: string, label: string): Promise<{ message: string; details?: unknown }> {
  const text = await res.text();
  expect(res.status, `${label}: ${text.slice(0, 300)}`).to.equal(status);
  const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: unknown } };
  expect(error.code, label).to.equal(code);
  return error;
}

/** A record document whose objects nest `depth` deep, counting the outer object and `document`. */
function nestedJsonRecord(depth: number): string {
  let value = '"bottom"';
  for (let level = 2; level < depth; level += 1) value = `{"f":${value}}`;
  return `{"document":{"@name":"CollectionObject","f":${value}}}`;
}

/** A record document whose elements nest `depth` deep, counting `document`. */
function nestedXmlRecord(depth: number): string {
  const levels = depth - 1;
  return `<document name="CollectionObject">${'<f>'.repeat(levels)}bottom${'</f>'.repeat(levels)}</document>`;
}

describe('security: input limits', () => {
  let service: TestService;
  beforeEach(async () => {
    // Large enough for 100,000 csids in one context.
    service = await startTestService({ bodyLimit: '8mb' });
  });
  afterEach(async () => {
    await service.stop();
  });

  const send = (method: string, pathname: string, type: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    service.request(pathname, { method, headers: { 'Content-Type': type, Accept: JSON_TYPE, ...headers }, body });

  /** A definition of the noop job enabling every mode, and a background run of it. */
  async function definitionAndRun(): Promise<{ csid: string; runId: string }> {
    const csid = await createDefinition(service, {
      name: 'limits',
      className: 'noop',
      supportsNoContext: true,
      supportsSingleDoc: true,
      supportsDocList: true,
    });
    const res = await send('POST', `/cspace-services/batch/${csid}/invoke`, JSON_TYPE, invocationContextBody({ mode: 'nocontext' }), {
      Prefer: 'respond-async',
    });
    expect(res.status, await res.clone().text()).to.equal(202);
    return { csid, runId: (res.headers.get('location') ?? '').split('/').pop() ?? '' };
  }

  it(`refuses JSON nested deeper than ${MAX_DOCUMENT_DEPTH} levels on every route with 400 naming the limit, and keeps serving`, async () => {
    const { csid, runId } = await definitionAndRun();
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const deepArrays = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const routes: Array<[string, string]> = [
      ['POST', '/cspace-services/batch'],
      ['PUT', `/cspace-services/batch/${csid}`],
      ['POST', '/cspace-services/batch/import'],
      ['POST', RECORDS],
      ['POST', `/cspace-services/batch/${csid}/invoke`],
      ['POST', `/cspace-services/batch/${csid}/schedules`],
      ['POST', `/cspace-services/runs/${runId}/items`],
      ['POST', '/cspace-services/relations'],
      ['POST', '/cspace-services/batch-multitenant/invoke'],
      ['POST', '/cspace-services/admin/users'],
      ['PUT', '/cspace-services/admin/users/admin/roles'],
    ];
    for (const [method, pathname] of routes) {
      for (const body of [deep, deepArrays]) {
        const error = await refusal(await send(method, pathname, JSON_TYPE, body), 400, 'MALFORMED_BODY', `${method} ${pathname}`);
        expect(error.message).to.include(`more than ${MAX_DOCUMENT_DEPTH} levels deep`).and.include('line 1, column');
      }
    }
    // The limit itself is accepted, in both formats, and such a record reads back; one level more is refused.
    const json = await send('POST', RECORDS, JSON_TYPE, nestedJsonRecord(MAX_DOCUMENT_DEPTH));
    expect(json.status, await json.clone().text()).to.equal(201);
    const read = await service.request(json.headers.get('location') ?? '', { headers: { Accept: JSON_TYPE } });
    expect(read.status).to.equal(200);
    expect(await read.text()).to.include('"bottom"');
    await refusal(await send('POST', RECORDS, JSON_TYPE, nestedJsonRecord(MAX_DOCUMENT_DEPTH + 1)), 400, 'MALFORMED_BODY', 'JSON one level deeper');
    expect((await send('POST', RECORDS, XML_TYPE, nestedXmlRecord(MAX_DOCUMENT_DEPTH))).status).to.equal(201);
    const xml = await refusal(await send('POST', RECORDS, XML_TYPE, nestedXmlRecord(MAX_DOCUMENT_DEPTH + 1)), 400, 'MALFORMED_BODY', 'XML');
    expect(xml.message).to.include(`more than ${MAX_DOCUMENT_DEPTH} levels deep`);
    expect(await listItems(service, `${RECORDS}?pgSz=0`)).to.have.length(2);
    expect((await service.request('/health')).status).to.equal(200);
  });

  it('answers paging past the largest offset a store takes with 400 naming pgNum, on every paged route', async () => {
    const { csid, runId } = await definitionAndRun();
    const paged = [
      '/cspace-services/batch',
      '/cspace-services/runs',
      `/cspace-services/runs/${runId}/items`,
      RECORDS,
      '/cspace-services/relations',
      '/cspace-services/schedules',
      `/cspace-services/batch/${csid}/schedules`,
      '/cspace-services/admin/users',
      '/cspace-services/admin/roles',
      '/cspace-services/admin/tokens',
      '/cspace-services/admin/tenants',
    ];
    const lastPage = Math.floor(MAX_PAGE_OFFSET / PAGING_DEFAULTS.pageSize);
    for (const pathname of paged) {
      for (const pgNum of ['99999999999999999999', String(lastPage + 1)]) {
        const res = await service.request(`${pathname}?pgNum=${pgNum}`, { headers: { Accept: JSON_TYPE } });
        const error = await refusal(res, 400, 'VALIDATION_FAILED', `${pathname}?pgNum=${pgNum}`);
        expect(error.message).to.include('pgNum');
        expect(JSON.stringify(error.details)).to.include('"path":"pgNum"');
      }
      const last = await service.request(`${pathname}?pgNum=${lastPage}`, { headers: { Accept: JSON_TYPE } });
      expect(last.status, pathname).to.equal(200);
      expect((await listItems(service, `${pathname}?pgNum=${lastPage}`)).length, pathname).to.equal(0);
    }
  });

  it('names the first few of 100,000 csids and counts them, in a small answer', async () => {
    const { csid } = await definitionAndRun();
    const real = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
    const ghosts = Array.from({ length: 99_999 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const invokeWith = (listCSIDs: string[]) =>
      send('POST', `/cspace-services/batch/${csid}/invoke`, JSON_TYPE, invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs }));

    const missing = await invokeWith([real, ...ghosts]);
    const missingText = await missing.clone().text();
    expect(missingText.length, 'size of the 404').to.be.below(4096);
    const notFound = await refusal(missing, 404, 'NOT_FOUND', '99,999 missing csids');
    expect(notFound.message).to.include('99999 records').and.include(ghosts[0]).and.include(ghosts[NAMED_ITEMS_LIMIT - 1]);
    expect(notFound.message).to.not.include(ghosts[NAMED_ITEMS_LIMIT]).and.not.include(real);
    expect(missingText).to.include(`${99_999 - NAMED_ITEMS_LIMIT} more`);

    const repeated = await invokeWith([...ghosts.slice(0, 50_000), ...ghosts.slice(0, 50_000)]);
    expect((await repeated.clone().text()).length, 'size of the 400').to.be.below(4096);
    expect((await refusal(repeated, 400, 'VALIDATION_FAILED', 'repeated csids')).message).to.include('50000 csids');

    // Each tenant of a multi-tenant invocation is answered on its own, so the list itself is bounded.
    const tenants = Array.from({ length: 1001 }, (_, i) => `museum-${i}`);
    const multi = await send(
      'POST',
      '/cspace-services/batch-multitenant/invoke',
      JSON_TYPE,
      JSON.stringify({ multitenantInvocation: { className: 'noop', tenants: { tenant: tenants }, 'ns2:invocationContext': { mode: 'nocontext' } } }),
    );
    expect((await multi.clone().text()).length, 'size of the multi-tenant answer').to.be.below(4096);
    expect(JSON.stringify((await refusal(multi, 400, 'VALIDATION_FAILED', '1001 tenants')).details)).to.include('1000');
    expect(await listItems(service, '/cspace-services/runs?pgSz=0')).to.have.length(1);
  });

  it(`quotes at most ${QUOTED_VALUE_LIMIT} characters of a long value it refuses`, async () => {
    const { csid } = await definitionAndRun();
    const long = 'X'.repeat(200_000);
    const answers = [
      await send('POST', RECORDS, JSON_TYPE, JSON.stringify({ document: { '@name': long, title: 't' } })),
      await send('POST', `/cspace-services/batch/${csid}/invoke`, JSON_TYPE, invocationContextBody({ mode: long })),
      await send('POST', `/cspace-services/batch/${csid}/invoke`, JSON_TYPE, invocationContextBody({ mode: 'single', docType: 'CollectionObject', singleCSID: long })),
      await service.request(`/cspace-services/runs/${'r'.repeat(8000)}`, { headers: { Accept: JSON_TYPE } }),
      // A tenant the caller may not act in is named back in the 403.
      await service.request('/cspace-services/batch', { headers: { Accept: JSON_TYPE, 'X-Tenant-Id': 't'.repeat(8000) } }),
    ];
    for (const res of answers) {
      const text = await res.text();
      expect(res.status, text.slice(0, 200)).to.be.within(400, 499);
      expect(text.length).to.be.below(2048);
      expect(text).to.match(/\(\d+ characters\)/);
    }
  });

  it('refuses bodies that are not UTF-8 with 400 naming the byte offset, storing nothing', async () => {
    const existing = await createRecord(service, 'CollectionObject', { title: 'kept' });
    const withBadBytes = (before: string, bad: number[], after: string) =>
      ({ body: Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bad), Buffer.from(after, 'utf8')]), offset: Buffer.byteLength(before) });
    const xml = withBadBytes('<document name="CollectionObject"><title>Café ', [0xff], '</title></document>');
    const json = withBadBytes('{"document":{"@name":"CollectionObject","title":"Ça ', [0xc3, 0x28], '"}}');
    const overlong = withBadBytes('{"document":{"@name":"CollectionObject","title":"', [0xc0, 0xaf], '"}}');
    const cases: Array<[string, string, string, { body: Buffer; offset: number }]> = [
      ['POST', RECORDS, XML_TYPE, xml],
      ['POST', RECORDS, JSON_TYPE, json],
      ['POST', RECORDS, JSON_TYPE, overlong],
      ['PUT', `${RECORDS}/${existing}`, XML_TYPE, xml],
      ['PUT', `${RECORDS}/${existing}`, JSON_TYPE, json],
    ];
    for (const [method, pathname, type, { body, offset }] of cases) {
      const error = await refusal(await send(method, pathname, type, body), 400, 'MALFORMED_BODY', `${method} ${type}`);
      expect(error.message).to.include('not valid UTF-8').and.include(`byte ${offset}`);
    }
    // Another charset could hide invalid bytes the same way, so bodies are UTF-8 only.
    const latin1 = await send('POST', RECORDS, `${XML_TYPE}; charset=iso-8859-1`, Buffer.from('<document name="CollectionObject"><title>Caf\xe9</title></document>', 'latin1'));
    await refusal(latin1, 415, 'UNSUPPORTED_MEDIA_TYPE', 'ISO-8859-1');
    const items = await listItems(service, `${RECORDS}?pgSz=0`);
    expect(items.map((item) => item.csid)).to.deep.equal([existing]);
    const kept = await service.request(`${RECORDS}/${existing}`, { headers: { Accept: JSON_TYPE } });
    expect(((await kept.json()) as any).document.title).to.equal('kept');

    // Valid UTF-8 is stored as sent, a byte order mark and a U+FFFD the client really sent included.
    const valid = Buffer.from('\uFEFF<document name="CollectionObject"><title>é \uFFFD 𝄞</title></document>', 'utf8');
    const created = await send('POST', RECORDS, `${XML_TYPE}; charset=UTF-8`, valid);
    expect(created.status, await created.clone().text()).to.equal(201);
    const stored = await service.request(created.headers.get('location') ?? '', { headers: { Accept: JSON_TYPE } });
    expect(((await stored.json()) as any).document.title).to.equal('é \uFFFD 𝄞');
  });

  it('answers a path segment that is not percent-encoded UTF-8 with 400, not 500', async () => {
    for (const pathname of ['/cspace-services/batch/%FF', '/cspace-services/runs/%C3%28', `${RECORDS}/%E0%80`, '/cspace-services/admin/users/%FF/roles']) {
      await refusal(await service.request(pathname, { headers: { Accept: JSON_TYPE } }), 400, 'VALIDATION_FAILED', pathname);
    }
  });
});
