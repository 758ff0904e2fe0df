/**
 * The shipped CollectionSpace jobs end to end: the real service, records and relations created over HTTP, the
 * auto-registered default definitions found by class name, invocations through `POST /batch/{csid}/invoke`,
 * and the effects read back over HTTP.
 *
 * Skipped until the invocation (and records/relations) endpoints exist: the lead enables it by turning
 * `describe.skip` into `describe`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { startTestService, type TestService } from '../support/testService.js';

const XML = 'application/xml';
const JSON_TYPE = 'application/json';
const INVOCABLE_NS = 'http://collectionspace.org/services/common/invocable';
const RELATION_NS = 'http://collectionspace.org/services/relation';
const BATCH_NS = 'http://collectionspace.org/services/batch';

const LOAN_OUT = 'create-and-link-loan-out';
const INVENTORY = 'update-inventory-status';
const LOCATION = 'update-object-location';

const status = (short: string) =>
  `urn:cspace:core.collectionspace.org:vocabularies:name(inventorystatus):item:name(${short})'${short}'`;
const MISSING = status('missing');
const UNKNOWN = status('unknown');
const place = (short: string) =>
  `urn:cspace:core.collectionspace.org:locationauthorities:name(location):item:name(${short})'${short} shelf'`;
const SHELF_A = place('a');
const SHELF_B = place('b');
const SHELF_C = place('c');

type Fields = Record<string, unknown>;

interface Context {
  mode: 'single' | 'list' | 'group' | 'nocontext';
  docType?: string;
  singleCSID?: string;
  listCSIDs?: string[];
  groupCSID?: string;
  params?: Array<[key: string, value: string]>;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function invocationXml(context: Context): string {
  const element = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;
  const list =
    context.listCSIDs === undefined
      ? ''
      : `<listCSIDs>${context.listCSIDs.map((csid) => element('csid', csid)).join('')}</listCSIDs>`;
  const params =
    context.params === undefined
      ? ''
      : `<params>${context.params.map(([key, value]) => `<param>${element('key', key)}${element('value', value)}</param>`).join('')}</params>`;
  return (
    `<ns2:invocationContext xmlns:ns2="${INVOCABLE_NS}">` +
    element('mode', context.mode) +
    element('docType', context.docType) +
    element('singleCSID', context.singleCSID) +
    element('groupCSID', context.groupCSID) +
    list +
    params +
    '</ns2:invocationContext>'
  );
}

/** A list's items, whether the JSON mapping gave none, one (a scalar) or several. */
function listItems(list: any): any[] {
  return [list['ns2:abstract-common-list']['list-item'] ?? []].flat();
}

function csidOf(location: string | null): string {
  expect(location).to.be.a('string');
  return (location ?? '').split('/').pop() ?? '';
}

/** The values of a record's inventory status list, however the JSON mapping shaped them. */
function inventoryValues(document: any): string[] {
  const list = document.inventoryStatusList;
  if (list === undefined || list === null || list === '') return [];
  return [list.inventoryStatus ?? []].flat().filter((value: unknown) => value !== '');
}

describe('shipped plugins over HTTP', () => {
  let service: TestService;

  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  async function getJson(pathname: string): Promise<any> {
    const res = await service.request(pathname, { headers: { Accept: JSON_TYPE } });
    expect(res.status, `${pathname}: ${await res.clone().text()}`).to.equal(200);
    return res.json();
  }

  async function createRecord(docType: string, fields: Fields): Promise<string> {
    const res = await service.request(`/cspace-services/records/${docType}`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ document: { '@name': docType, ...fields } }),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    const location = res.headers.get('location');
    expect(location).to.match(new RegExp(`^/cspace-services/records/${docType}/[0-9a-f-]{36}$`));
    return csidOf(location);
  }

  async function createObjectXml(objectNumber: string): Promise<string> {
    const res = await service.request('/cspace-services/records/CollectionObject', {
      method: 'POST',
      headers: { 'Content-Type': XML },
      body: `<document name="CollectionObject"><objectNumber>${escapeXml(objectNumber)}</objectNumber></document>`,
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return csidOf(res.headers.get('location'));
  }

  async function relate(
    subject: { csid: string; docType: string },
    object: { csid: string; docType: string },
    relationshipType = 'affects',
  ): Promise<string> {
    const res = await service.request('/cspace-services/relations', {
      method: 'POST',
      headers: { 'Content-Type': XML },
      body:
        `<document name="relations"><ns2:relations_common xmlns:ns2="${RELATION_NS}">` +
        `<subjectCsid>${subject.csid}</subjectCsid><subjectDocumentType>${subject.docType}</subjectDocumentType>` +
        `<relationshipType>${relationshipType}</relationshipType>` +
        `<objectCsid>${object.csid}</objectCsid><objectDocumentType>${object.docType}</objectDocumentType>` +
        '</ns2:relations_common></document>',
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return csidOf(res.headers.get('location'));
  }

  async function getRecord(docType: string, csid: string): Promise<any> {
    return (await getJson(`/cspace-services/records/${docType}/${csid}`)).document;
  }

  /** The csid of the one definition naming `className` (the auto-registered default in a fresh service). */
  async function definitionOf(className: string): Promise<string> {
    const items = listItems(await getJson(`/cspace-services/batch?classname=${encodeURIComponent(className)}`));
    expect(items, className).to.have.length(1);
    return items[0].csid;
  }

  /** A definition of `className` enabling `modes`, for modes the default definition leaves off. */
  async function createDefinition(className: string, modes: Context['mode'][]): Promise<string> {
    const flag = (name: string, mode: Context['mode']) => `<${name}>${modes.includes(mode)}</${name}>`;
    const res = await service.request('/cspace-services/batch', {
      method: 'POST',
      headers: { 'Content-Type': XML },
      body:
        `<document name="batch"><ns2:batch_common xmlns:ns2="${BATCH_NS}">` +
        `<name>${className} ${modes.join('+')}</name>` +
        '<forDocTypes><forDocType>CollectionObject</forDocType></forDocTypes>' +
        flag('supportsNoContext', 'nocontext') +
        flag('supportsSingleDoc', 'single') +
        flag('supportsDocList', 'list') +
        flag('supportsGroup', 'group') +
        `<className>${className}</className>` +
        '</ns2:batch_common></document>',
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return csidOf(res.headers.get('location'));
  }

  function invoke(definitionCsid: string, body: string, type = XML): Promise<Response> {
    return service.request(`/cspace-services/batch/${definitionCsid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': type, Accept: JSON_TYPE },
      body,
    });
  }

  /** Invokes and expects 200; answers `invocationResults` (JSON mapping: every value a string). */
  async function invokeOk(definitionCsid: string, context: Context): Promise<any> {
    const res = await invoke(definitionCsid, invocationXml(context));
    expect(res.status, await res.clone().text()).to.equal(200);
    return ((await res.json()) as any)['ns2:invocationResults'];
  }

  async function updatedAt(docType: string, csid: string): Promise<string> {
    return (await getRecord(docType, csid))['ns2:collectionspace_core'].updatedAt;
  }

  describe(LOAN_OUT, () => {
    it('single: creates a Loanout that affects the record, naming it in primaryURICreated', async () => {
      const object = await createObjectXml('1');
      const results = await invokeOk(await definitionOf(LOAN_OUT), {
        mode: 'single',
        docType: 'CollectionObject',
        singleCSID: object,
      });
      expect(results.numAffected).to.equal('1');
      const loan: string = results.primaryURICreated;
      expect(loan).to.match(/^[0-9a-f-]{36}$/);
      expect(results.userNote).to.equal(
        `CreateAndLinkLoanOutBatchJob created new Loanout: ${loan} with a link to the passed CollectionObject`,
      );

      const stored = await getRecord('Loanout', loan);
      expect(stored['@name']).to.equal('Loanout');
      expect(stored.loanOutNumber).to.match(/^NewLoan-\d{4}-\d{2}-\d{2}T/);

      const relations = listItems(await getJson(`/cspace-services/relations?sbj=${loan}`));
      expect(relations).to.have.length(1);
      expect(relations[0]).to.include({
        subjectCsid: loan,
        subjectDocumentType: 'Loanout',
        relationshipType: 'affects',
        objectCsid: object,
        objectDocumentType: 'CollectionObject',
      });
    });

    it('list: one Loanout, one affects relation per listed record', async () => {
      const objects = [await createObjectXml('1'), await createObjectXml('2')];
      const results = await invokeOk(await definitionOf(LOAN_OUT), {
        mode: 'list',
        docType: 'CollectionObject',
        listCSIDs: objects,
      });
      expect(results.numAffected).to.equal('2');
      const loan: string = results.primaryURICreated;
      expect(results.userNote).to.equal(`CreateAndLinkLoanOutBatchJob created new Loanout: ${loan} with 2 link(s) to CollectionObject`);
      const relations = listItems(await getJson(`/cspace-services/relations?sbj=${loan}`));
      expect(relations.map((relation) => relation.objectCsid)).to.have.members(objects);
      for (const relation of relations) expect(relation.relationshipType).to.equal('affects');
      expect(listItems(await getJson('/cspace-services/records/Loanout'))).to.have.length(1);
    });

    it('list: an empty list is a 400 and creates no Loanout', async () => {
      await createObjectXml('1');
      const res = await invoke(
        await definitionOf(LOAN_OUT),
        `<ns2:invocationContext xmlns:ns2="${INVOCABLE_NS}"><mode>list</mode><docType>CollectionObject</docType><listCSIDs/></ns2:invocationContext>`,
      );
      expect(res.status, await res.clone().text()).to.equal(400);
      const loans = await getJson('/cspace-services/records/Loanout');
      expect(listItems(loans)).to.deep.equal([]);
      expect(loans['ns2:abstract-common-list'].totalItems).to.equal('0');
    });
  });

  describe(INVENTORY, () => {
    it('sets the repeated values on every listed object and counts every one, as CollectionSpace does', async () => {
      const none = await createObjectXml('1');
      const already = await createRecord('CollectionObject', {
        objectNumber: '2',
        inventoryStatusList: { inventoryStatus: [MISSING, UNKNOWN] },
      });
      const other = await createRecord('CollectionObject', { objectNumber: '3', inventoryStatusList: { inventoryStatus: UNKNOWN } });
      const untouchedAt = await updatedAt('CollectionObject', already);

      const results = await invokeOk(await definitionOf(INVENTORY), {
        mode: 'list',
        docType: 'CollectionObject',
        listCSIDs: [none, already, other],
        params: [
          ['inventoryStatus', MISSING],
          ['inventoryStatus', UNKNOWN],
        ],
      });
      expect(results.numAffected).to.equal('3');
      expect(results.userNote).to.equal('Inventory status changed to missing, unknown.');
      for (const csid of [none, already, other]) {
        const stored = await getRecord('CollectionObject', csid);
        expect(inventoryValues(stored), csid).to.deep.equal([MISSING, UNKNOWN]);
      }
      expect((await getRecord('CollectionObject', none)).objectNumber).to.equal('1');
      expect(await updatedAt('CollectionObject', already)).to.equal(untouchedAt);
    });

    it('clears the list when no value is given', async () => {
      const withStatus = await createRecord('CollectionObject', { objectNumber: '1', inventoryStatusList: { inventoryStatus: MISSING } });
      const without = await createObjectXml('2');
      const results = await invokeOk(await definitionOf(INVENTORY), {
        mode: 'list',
        docType: 'CollectionObject',
        listCSIDs: [withStatus, without],
      });
      expect(results.numAffected).to.equal('2');
      expect(results.userNote).to.equal('Inventory status values removed.');
      expect(inventoryValues(await getRecord('CollectionObject', withStatus))).to.deep.equal([]);
      expect(inventoryValues(await getRecord('CollectionObject', without))).to.deep.equal([]);
    });

    it('accepts a JSON invocation with a single value', async () => {
      const object = await createObjectXml('1');
      const res = await invoke(
        await definitionOf(INVENTORY),
        JSON.stringify({
          'ns2:invocationContext': {
            '@xmlns:ns2': INVOCABLE_NS,
            mode: 'list',
            docType: 'CollectionObject',
            listCSIDs: { csid: [object] },
            params: { param: [{ key: 'inventoryStatus', value: MISSING }] },
          },
        }),
        JSON_TYPE,
      );
      expect(res.status, await res.clone().text()).to.equal(200);
      expect(((await res.json()) as any)['ns2:invocationResults'].numAffected).to.equal('1');
      expect(inventoryValues(await getRecord('CollectionObject', object))).to.deep.equal([MISSING]);
    });

    it('refuses an unknown param and a mode the definition does not enable, changing nothing', async () => {
      const object = await createRecord('CollectionObject', { objectNumber: '1', inventoryStatusList: { inventoryStatus: MISSING } });
      const definition = await definitionOf(INVENTORY);
      const misspelt = await invoke(
        definition,
        invocationXml({ mode: 'list', docType: 'CollectionObject', listCSIDs: [object], params: [['inventorystatus', UNKNOWN]] }),
      );
      expect(misspelt.status, await misspelt.clone().text()).to.equal(400);
      const single = await invoke(
        definition,
        invocationXml({ mode: 'single', docType: 'CollectionObject', singleCSID: object, params: [['inventoryStatus', UNKNOWN]] }),
      );
      expect(single.status, await single.clone().text()).to.equal(400);
      expect(inventoryValues(await getRecord('CollectionObject', object))).to.deep.equal([MISSING]);
    });
  });

  describe('noop (TestBatchJob)', () => {
    it('answers numAffected 0 and no userNote, in every mode', async () => {
      const object = await createObjectXml('1');
      const definition = await definitionOf('noop');
      const res = await invoke(definition, invocationXml({ mode: 'single', docType: 'CollectionObject', singleCSID: object }));
      expect(res.status, await res.clone().text()).to.equal(200);
      expect(((await res.json()) as any)['ns2:invocationResults']).to.deep.equal({ '@xmlns:ns2': INVOCABLE_NS, numAffected: '0' });
      expect((await invokeOk(definition, { mode: 'nocontext' })).userNote).to.equal(undefined);
    });
  });

  describe(LOCATION, () => {
    async function movement(currentLocation: string, locationDate: string): Promise<string> {
      return createRecord('Movement', { currentLocation, locationDate });
    }

    /** Relates object and movement; `reverse` puts the movement on the subject side. */
    async function moved(object: string, movementCsid: string, reverse = false): Promise<void> {
      const objectRef = { csid: object, docType: 'CollectionObject' };
      const movementRef = { csid: movementCsid, docType: 'Movement' };
      await (reverse ? relate(movementRef, objectRef) : relate(objectRef, movementRef));
    }

    async function locationOf(object: string): Promise<unknown> {
      return (await getRecord('CollectionObject', object)).computedCurrentLocation;
    }

    it('single: takes the latest qualifying movement, related in either direction; unchanged is not counted', async () => {
      const object = await createObjectXml('1');
      await moved(object, await movement(SHELF_A, '2023-01-01'));
      await moved(object, await movement(SHELF_B, '2024-06-01'), true);
      await moved(object, await movement('Gallery 1', '2025-01-01'));
      await moved(object, await movement(SHELF_C, ''));
      const definition = await definitionOf(LOCATION);
      const context: Context = { mode: 'single', docType: 'CollectionObject', singleCSID: object };

      expect((await invokeOk(definition, context)).numAffected).to.equal('1');
      expect(await locationOf(object)).to.equal(SHELF_B);
      expect((await getRecord('CollectionObject', object)).objectNumber).to.equal('1');

      const before = await updatedAt('CollectionObject', object);
      expect((await invokeOk(definition, context)).numAffected).to.equal('0');
      expect(await updatedAt('CollectionObject', object)).to.equal(before);
    });

    it('single: equal location dates go to the movement updated last, whatever the relation order', async () => {
      const first = await movement(SHELF_A, '2024-03-01');
      await delay(20);
      const second = await movement(SHELF_B, '2024-03-01');
      const oneWay = await createObjectXml('1');
      const otherWay = await createObjectXml('2');
      await moved(oneWay, first);
      await moved(oneWay, second);
      await moved(otherWay, second);
      await moved(otherWay, first);
      const definition = await definitionOf(LOCATION);
      for (const object of [oneWay, otherWay]) {
        await invokeOk(definition, { mode: 'single', docType: 'CollectionObject', singleCSID: object });
        expect(await locationOf(object), object).to.equal(SHELF_B);
      }
    });

    it('list: updates changed objects only, keeps values no movement supports, skips blank object numbers', async () => {
      const fresh = await createObjectXml('1');
      await moved(fresh, await movement(SHELF_A, '2024-01-01'));
      const current = await createRecord('CollectionObject', { objectNumber: '2', computedCurrentLocation: SHELF_A });
      await moved(current, await movement(SHELF_A, '2024-01-01'));
      const orphan = await createRecord('CollectionObject', { objectNumber: '3', computedCurrentLocation: SHELF_C });
      const unnumbered = await createRecord('CollectionObject', { objectNumber: '' });
      await moved(unnumbered, await movement(SHELF_B, '2024-01-01'));

      const results = await invokeOk(await createDefinition(LOCATION, ['list']), {
        mode: 'list',
        docType: 'CollectionObject',
        listCSIDs: [fresh, current, orphan, unnumbered],
      });
      expect(results.numAffected).to.equal('1');
      expect(await locationOf(fresh)).to.equal(SHELF_A);
      expect(await locationOf(current)).to.equal(SHELF_A);
      expect(await locationOf(orphan)).to.equal(SHELF_C);
      expect(await locationOf(unnumbered)).to.be.oneOf([undefined, '']);
    });

    it("group: updates the Group's related objects and nothing else", async () => {
      const group = await createRecord('Group', { title: 'tea set' });
      const cup = await createObjectXml('1');
      const pot = await createObjectXml('2');
      const outside = await createObjectXml('3');
      await moved(cup, await movement(SHELF_A, '2024-01-01'));
      await moved(pot, await movement(SHELF_B, '2024-01-01'));
      await moved(outside, await movement(SHELF_C, '2024-01-01'));
      for (const member of [cup, pot]) await relate({ csid: group, docType: 'Group' }, { csid: member, docType: 'CollectionObject' });

      const results = await invokeOk(await createDefinition(LOCATION, ['group']), {
        mode: 'group',
        docType: 'Group',
        groupCSID: group,
      });
      expect(results.numAffected).to.equal('2');
      expect(await locationOf(cup)).to.equal(SHELF_A);
      expect(await locationOf(pot)).to.equal(SHELF_B);
      expect(await locationOf(outside)).to.be.oneOf([undefined, '']);
    });

    it('nocontext: goes through every object with the default definition', async () => {
      const moving = await createObjectXml('1');
      await moved(moving, await movement(SHELF_A, '2023-01-01'));
      await moved(moving, await movement(SHELF_C, '2024-01-01'));
      const settled = await createRecord('CollectionObject', { objectNumber: '2', computedCurrentLocation: SHELF_B });
      await moved(settled, await movement(SHELF_B, '2024-01-01'));
      const still = await createObjectXml('3');

      const results = await invokeOk(await definitionOf(LOCATION), { mode: 'nocontext' });
      expect(results.numAffected).to.equal('1');
      expect(await locationOf(moving)).to.equal(SHELF_C);
      expect(await locationOf(settled)).to.equal(SHELF_B);
      expect(await locationOf(still)).to.be.oneOf([undefined, '']);
    });
  });
});
