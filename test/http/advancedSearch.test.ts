/**
 * `as` (advanced search) over HTTP, with the exact queries cspace-ui sends (src/actions/search.js wraps the NXQL of
 * `convertAdvancedSearchConditionToNXQL` in parentheses and adds `wf_deleted=false`), encoded as axios encodes them.
 */
import { expect } from 'chai';
import { createDefinition, createRecord, JSON_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';

/** axios's query-string encoding (its `buildURL` helper): spaces as `+`, and `:`, `,`, `$`, `[`, `]` left as they are. */
function axiosEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%3A/gi, ':')
    .replace(/%24/g, '$')
    .replace(/%2C/gi, ',')
    .replace(/%20/g, '+')
    .replace(/%5B/gi, '[')
    .replace(/%5D/gi, ']');
}

function query(params: Record<string, string | number | boolean>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${axiosEncode(String(value))}`)
    .join('&');
}

const GROUP_PANEL_AS =
  '((batch_common:supportsGroup = 1 OR (batch_common:forDocTypes/* = "Group" AND batch_common:supportsSingleDoc = 1)))';

describe('HTTP advanced search (as)', () => {
  let service: TestService;

  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  async function list(pathname: string, params: Record<string, string | number | boolean>, accept = JSON_TYPE) {
    return service.request(`${pathname}?${query(params)}`, { headers: { Accept: accept } });
  }

  async function listed(pathname: string, params: Record<string, string | number | boolean>) {
    const res = await list(pathname, params);
    expect(res.status, await res.clone().text()).to.equal(200);
    const page = ((await res.json()) as any)['ns2:abstract-common-list'];
    const items = page['list-item'] ?? [];
    return { totalItems: Number(page.totalItems), items: (Array.isArray(items) ? items : [items]) as any[] };
  }

  async function errorOf(pathname: string, params: Record<string, string | number | boolean>) {
    const res = await list(pathname, params);
    expect(res.status).to.equal(400);
    return ((await res.json()) as any).error;
  }

  /** Replaces the auto-registered defaults with eleven definitions, three of which the Group panel lists. */
  async function seedDefinitions(): Promise<void> {
    for (const item of (await listed('/cspace-services/batch', { pgSz: 0 })).items) {
      expect((await service.request(`/cspace-services/batch/${item.csid}`, { method: 'DELETE' })).status).to.equal(200);
    }
    const modes = { supportsSingleDoc: false, supportsDocList: false, supportsGroup: false, supportsNoContext: false };
    await createDefinition(service, { ...modes, name: 'Group mover', forDocTypes: { forDocType: ['Group'] }, supportsGroup: true, className: 'noop' });
    await createDefinition(service, { ...modes, name: 'Group labels', forDocTypes: { forDocType: ['Group', 'Loanout'] }, supportsSingleDoc: true, className: 'noop' });
    await createDefinition(service, { ...modes, name: 'Any group job', supportsGroup: true, className: 'noop' });
    await createDefinition(service, { ...modes, name: 'Group list only', forDocTypes: { forDocType: ['Group'] }, supportsDocList: true, className: 'noop' });
    for (const name of ['Loan report', 'Object LOAN check', 'Inventory', 'Intake', 'Exhibition', 'Media', 'Audit']) {
      await createDefinition(service, { ...modes, name, forDocTypes: { forDocType: ['CollectionObject'] }, supportsSingleDoc: true, className: 'noop' });
    }
  }

  it("lists the jobs of cspace-ui's Group record panel, paged as the panel pages", async () => {
    await seedDefinitions();
    expect((await listed('/cspace-services/batch', {})).totalItems).to.equal(11);
    const firstPage = await listed('/cspace-services/batch', { as: GROUP_PANEL_AS, pgNum: 0, pgSz: 2, wf_deleted: false, sortBy: 'batch_common:name' });
    expect(firstPage.totalItems).to.equal(3);
    expect(firstPage.items.map((item) => item.name)).to.deep.equal(['Any group job', 'Group labels']);
    const secondPage = await listed('/cspace-services/batch', { as: GROUP_PANEL_AS, pgNum: 1, pgSz: 2, wf_deleted: false, sortBy: 'batch_common:name' });
    expect(secondPage.totalItems).to.equal(3);
    expect(secondPage.items.map((item) => item.name)).to.deep.equal(['Group mover']);
  });

  it("filters cspace-ui's batch page by name with ILIKE, whatever the case", async () => {
    await seedDefinitions();
    const found = await listed('/cspace-services/batch', { as: '(batch_common:name ILIKE "%loan%")', pgNum: 0, pgSz: 20, wf_deleted: false, sortBy: 'batch_common:name' });
    expect(found.totalItems).to.equal(2);
    expect(found.items.map((item) => item.name)).to.deep.equal(['Loan report', 'Object LOAN check']);
  });

  it('ANDs as with doctype and mode, and ignores a blank as', async () => {
    await seedDefinitions();
    const both = await listed('/cspace-services/batch', { doctype: 'CollectionObject', mode: 'single', as: '(batch_common:name ILIKE "%loan%" OR batch_common:name = "Audit")', sortBy: 'name' });
    expect(both.items.map((item) => item.name)).to.deep.equal(['Audit', 'Loan report', 'Object LOAN check']);
    const none = await listed('/cspace-services/batch', { doctype: 'Group', as: '(batch_common:name ILIKE "%loan%")' });
    expect(none.totalItems).to.equal(0);
    const blank = await listed('/cspace-services/batch', { as: ' ' });
    expect(blank.totalItems).to.equal(11);
  });

  it("searches record lists with cspace-ui's conditions, paged with a true total", async () => {
    for (const objectNumber of ['2024.1', '2024.2', '2024.10', 'X.1']) {
      await createRecord(service, 'CollectionObject', { objectNumber, titleGroupList: { titleGroup: [{ title: `Title of ${objectNumber}` }] } });
    }
    await createRecord(service, 'Group', { objectNumber: '2024.1' });
    // What cspace-ui writes for "object number contains 2024.1 and title contains Title" (a group condition on
    // the repeating titleGroup, hence the correlated *1).
    const as = '((collectionobjects_common:objectNumber ILIKE "%2024.1%") AND collectionobjects_common:titleGroupList/*1/title ILIKE "%title%")';
    const params = { as, pgSz: 1, pgNum: 1, sortBy: 'createdAt', wf_deleted: false };
    const page = await listed('/cspace-services/records/CollectionObject', params);
    expect(page.totalItems).to.equal(2);
    expect(page.items).to.have.length(1);
    const record = await listed('/cspace-services/records/CollectionObject', { as: '(collectionobjects_common:objectNumber = "X.1")', objectNumber: 'X.1' });
    expect(record.totalItems).to.equal(1);
  });

  it('answers what is outside the subset with 400 naming the position and the token, and keeps serving', async () => {
    const syntax = await errorOf('/cspace-services/batch', { as: '(batch_common:name CONTAINS "loan")' });
    expect(syntax.code).to.equal('VALIDATION_FAILED');
    expect(syntax.message).to.equal(
      'Unsupported advanced search (as): expected an operator (=, <>, <, <=, >, >=, LIKE, ILIKE, IN, BETWEEN, IS NULL) at position 20: found "CONTAINS"',
    );
    expect(syntax.details).to.deep.equal({
      detail: { path: 'as', message: 'expected an operator (=, <>, <, <=, >, >=, LIKE, ILIKE, IN, BETWEEN, IS NULL) at position 20: found "CONTAINS"' },
    });
    const field = await errorOf('/cspace-services/batch', { as: '(batch_common:filename = "x.jrxml")' });
    expect(field.message).to.match(/unknown field for batch definitions at position 2: "batch_common:filename"$/);
    const recordField = await errorOf('/cspace-services/records/CollectionObject', { as: 'ecm:isProxy = 0' });
    expect(recordField.message).to.match(/unknown field for records at position 1: "ecm:isProxy"$/);
    const repeated = await service.request('/cspace-services/batch?as=(batch_common:name+%3D+"a")&as=(batch_common:name+%3D+"b")', {
      headers: { Accept: JSON_TYPE },
    });
    expect(repeated.status).to.equal(400);
    expect(((await repeated.json()) as any).error.details).to.deep.equal({ detail: { path: 'as', message: 'is repeated or nested' } });

    const xml = await list('/cspace-services/batch', { as: 'batch_common:name = ' }, 'application/xml');
    expect(xml.status).to.equal(400);
    const body = await xml.text();
    expect(body).to.include('<path>as</path>');
    expect(body).to.include('at position 21: found end of the query');
    expect(body).to.not.match(/at .*\.ts:\d+/);
    expect((await list('/cspace-services/batch', {})).status).to.equal(200);
  });
});
