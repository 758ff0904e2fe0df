/**
 * The behaviour every store engine must share, as one mocha suite per engine. Each test gets a fresh,
 * empty store from `create` and a clock that advances one millisecond per reading, so timestamps are
 * distinct and orderings by time are predictable.
 */
import { expect } from 'chai';
import { DomainError, PreconditionFailedError } from '../../src/domain/errors.js';
import type {
  BatchDefinition,
  Csid,
  RecordFields,
  Relation,
  StoredDefinition,
  TenantId,
} from '../../src/domain/types.js';
import type { Clock } from '../../src/store/queryRules.js';
import type { RunStoreOptions } from '../../src/store/runTypes.js';
import type { DefinitionQuery, RecordFilter, RecordQuery, RelationQuery, Store } from '../../src/store/types.js';

export interface StoreTestOptions {
  /** The clock the store must use for `createdAt`/`updatedAt`. */
  now: Clock;
  /** Run store settings other than the defaults. */
  runs?: RunStoreOptions;
}

export interface StoreConformanceOptions {
  name: string;
  /** A fresh, empty store for one test; `testName` (the full mocha title) is unique within the run. */
  create: (testName: string, options: StoreTestOptions) => Promise<Store>;
  /** Releases the store; `failed` lets an engine keep the data of a failed test for inspection. */
  dispose: (store: Store, outcome: { testName: string; failed: boolean }) => Promise<void>;
}

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const PAGE = { pageNum: 0, pageSize: 40 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

export function definition(overrides: Partial<BatchDefinition> = {}): BatchDefinition {
  return {
    name: 'Update object',
    forDocTypes: ['CollectionObject'],
    forRoles: [],
    resourceActionGroupList: [],
    supportsNoContext: false,
    supportsSingleDoc: true,
    supportsDocList: false,
    supportsGroup: false,
    className: 'org.example.UpdateObject',
    ...overrides,
  };
}

function relation(subjectCsid: string, objectCsid: string, relationshipType = 'affects'): Relation {
  return {
    subjectCsid: subjectCsid as Csid,
    subjectDocumentType: 'CollectionObject',
    relationshipType,
    objectCsid: objectCsid as Csid,
    objectDocumentType: 'Group',
  };
}

export function tickingClock(): Clock {
  let time = Date.parse('2024-01-01T00:00:00.000Z');
  return () => new Date(time++);
}

/** The CONFLICT error `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function conflict(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    expect((error as DomainError).code).to.equal('CONFLICT');
    return error as DomainError;
  }
  throw new Error('expected a CONFLICT');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** The bookkeeping a create by `actor` in tenant `A` must produce. */
const createdBy = (actor: string) =>
  ({ tenantId: A, createdBy: actor, updatedBy: actor, workflowState: 'project', revision: 1 }) as const;

const csids = (items: Array<{ csid: string }>): string[] => items.map((item) => item.csid);
const names = (items: StoredDefinition[]): string[] => items.map((item) => item.definition.name);

export function describeStoreConformance(options: StoreConformanceOptions): void {
  describe(`${options.name} store conformance`, () => {
    const seen = new Set<string>();
    let store: Store;
    let testName = '';

    beforeEach(async function () {
      testName = this.currentTest?.fullTitle() ?? '';
      // Engines name per-test databases after the test, so a repeated title would share one.
      if (seen.has(testName)) throw new Error(`duplicate test name: ${testName}`);
      seen.add(testName);
      store = await options.create(testName, { now: tickingClock() });
    });

    afterEach(async function () {
      await options.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    describeDefinitions(() => store);
    describeRecords(() => store);
    describeRelations(() => store);
    describeHealth(() => store);
  });
}

function describeHealth(current: () => Store): void {
  describe('health', () => {
    it('a store that takes writes reports no problem, before and after a write', async () => {
      expect(await current().health.check()).to.equal(undefined);
      await current().records.create(A, 'CollectionObject', { objectNumber: '1' }, 'alice');
      expect(await current().health.check()).to.equal(undefined);
      expect(current().health.healthy).to.equal(true);
    });
  });
}

function describeDefinitions(current: () => Store): void {
  const defs = () => current().definitions;

  describe('definitions.create', () => {
    it('assigns a fresh csid at revision 1 with the bookkeeping fields', async () => {
      const first = await defs().create(A, definition(), 'alice');
      const second = await defs().create(A, definition(), 'alice');
      expect(first.csid).to.match(UUID).and.not.equal(second.csid);
      expect(first.core).to.deep.include(createdBy('alice'));
      expect(first.core.createdAt).to.be.instanceOf(Date).and.deep.equal(first.core.updatedAt);
    });

    it('stores the definition as given, optional members included, and keeps no reference to it', async () => {
      const input = definition({
        notes: 'Notes',
        createsNewFocus: true,
        forRoles: ['admin'],
        resourceActionGroupList: [{ resourceName: 'batch', actionGroup: 'CRUDL' }],
      });
      const created = await defs().create(A, input, 'alice');
      input.forDocTypes.push('Changed');
      expect(created.definition).to.deep.equal({ ...input, forDocTypes: ['CollectionObject'] });
      expect((await defs().get(A, created.csid))?.definition).to.deep.equal(created.definition);
    });
  });

  describe('definitions.createUnlessNamed', () => {
    const accept = () => undefined;
    it('creates a definition only while none of the tenant has its name, soft-deleted ones included', async () => {
      const made = await defs().createUnlessNamed(A, definition({ name: 'Job' }), 'alice', accept);
      if (!('created' in made)) throw new Error(`expected a create, got ${JSON.stringify(made)}`);
      expect(made.created.core).to.deep.include(createdBy('alice'));
      expect(await defs().createUnlessNamed(A, definition({ name: 'Job' }), 'bob', accept)).to.deep.equal({ named: [made.created.csid] });
      expect(await defs().createUnlessNamed(A, definition({ name: 'job' }), 'bob', accept), 'names compare exactly').to.have.property('created');
      expect(await defs().createUnlessNamed(B, definition({ name: 'Job' }), 'bob', accept), 'another tenant').to.have.property('created');
      const twin = await defs().create(A, definition({ name: 'Job' }), 'carol');
      await defs().setWorkflowState(A, twin.csid, 'deleted', { actor: 'carol' });
      expect(await defs().createUnlessNamed(A, definition({ name: 'Job' }), 'bob', accept)).to.deep.equal({ named: [made.created.csid, twin.csid].sort() });
      const refuse = () => {
        throw new DomainError('VALIDATION_FAILED', 'refused');
      };
      expect(await defs().createUnlessNamed(A, definition({ name: 'Job' }), 'bob', refuse), 'no check when nothing is stored').to.have.property('named');
      let error: unknown;
      await defs().createUnlessNamed(A, definition({ name: 'Refused' }), 'bob', refuse).catch((thrown: unknown) => (error = thrown));
      expect(error).to.be.instanceOf(DomainError).with.property('message', 'refused');
      expect((await defs().list(A, { paging: { pageNum: 0, pageSize: 50 } })).totalItems, 'nothing stored').to.equal(3);
    });

    it('of many creates of one name at once, stores one and answers it to the others', async () => {
      const made = await Promise.all(Array.from({ length: 8 }, (_, i) => defs().createUnlessNamed(A, definition({ name: 'Raced' }), `user-${i}`, accept)));
      const stored = (await defs().list(A, { paging: { pageNum: 0, pageSize: 50 } })).items;
      expect(names(stored)).to.deep.equal(['Raced']);
      const [winner] = csids(stored);
      expect(made.filter((outcome) => 'created' in outcome).map((outcome) => 'created' in outcome && outcome.created.csid)).to.deep.equal([winner]);
      expect(made.filter((outcome) => 'named' in outcome)).to.deep.equal(Array.from({ length: 7 }, () => ({ named: [winner] })));
    });

    it('creates the name again once the definition holding it was renamed or deleted', async () => {
      const first = await defs().createUnlessNamed(A, definition({ name: 'Moving' }), 'alice', accept);
      if (!('created' in first)) throw new Error('expected a create');
      await defs().update(A, first.created.csid, definition({ name: 'Moved' }), { actor: 'alice' });
      const second = await defs().createUnlessNamed(A, definition({ name: 'Moving' }), 'alice', accept);
      if (!('created' in second)) throw new Error('expected a create after the rename');
      await defs().delete(A, second.created.csid);
      expect(await defs().createUnlessNamed(A, definition({ name: 'Moving' }), 'alice', accept), 'after the delete').to.have.property('created');
      expect(names((await defs().list(A, { paging: { pageNum: 0, pageSize: 50 } })).items).sort()).to.deep.equal(['Moved', 'Moving']);
    });
  });

  describe('definitions.get', () => {
    it('returns the stored definition, or undefined for an unknown csid', async () => {
      const created = await defs().create(A, definition(), 'alice');
      expect(await defs().get(A, created.csid)).to.deep.equal(created);
      expect(await defs().get(A, UNKNOWN)).to.equal(undefined);
    });

    it("does not see another tenant's definition", async () => {
      const created = await defs().create(A, definition(), 'alice');
      expect(await defs().get(B, created.csid)).to.equal(undefined);
    });
  });

  describe('definitions.update', () => {
    it('replaces the definition, increments the revision and updatedAt, and keeps createdAt', async () => {
      const created = await defs().create(A, definition(), 'alice');
      const updated = await defs().update(A, created.csid, definition({ name: 'Renamed' }), { actor: 'bob' });
      expect(updated?.definition.name).to.equal('Renamed');
      const { createdAt } = created.core;
      expect(updated?.core).to.deep.include({ revision: 2, createdBy: 'alice', updatedBy: 'bob', createdAt });
      expect(updated?.core.updatedAt.getTime()).to.be.greaterThan(created.core.updatedAt.getTime());
      expect(await defs().get(A, created.csid)).to.deep.equal(updated);
    });

    it('returns undefined for an unknown csid', async () => {
      expect(await defs().update(A, UNKNOWN, definition(), { actor: 'bob' })).to.equal(undefined);
    });

    it('writes when expectedRevision matches, and throws and changes nothing when it does not', async () => {
      const created = await defs().create(A, definition(), 'alice');
      const stale = defs().update(A, created.csid, definition({ name: 'X' }), { actor: 'bob', expectedRevision: 2 });
      expect(await rejection(stale)).to.be.instanceOf(PreconditionFailedError);
      expect(await defs().get(A, created.csid)).to.deep.equal(created);
      const updated = await defs().update(A, created.csid, definition(), { actor: 'bob', expectedRevision: 1 });
      expect(updated?.core.revision).to.equal(2);
    });

    it("cannot change another tenant's definition", async () => {
      const created = await defs().create(A, definition(), 'alice');
      expect(await defs().update(B, created.csid, definition(), { actor: 'eve' })).to.equal(undefined);
      const stale = { actor: 'eve', expectedRevision: 1 };
      expect(await defs().update(B, created.csid, definition(), stale)).to.equal(undefined);
      expect(await defs().get(A, created.csid)).to.deep.equal(created);
    });

    it('lists the definition under its new document types only', async () => {
      const created = await defs().create(A, definition({ forDocTypes: ['Loanout'] }), 'alice');
      await defs().update(A, created.csid, definition({ forDocTypes: ['Intake'] }), { actor: 'bob' });
      expect((await defs().list(A, { docType: 'Loanout', paging: PAGE })).totalItems).to.equal(0);
      expect(csids((await defs().list(A, { docType: 'Intake', paging: PAGE })).items)).to.deep.equal([created.csid]);
    });
  });

  describe('definitions.setWorkflowState', () => {
    it('soft-deletes and undeletes: the state, the revision and updatedAt move, the definition stays', async () => {
      const created = await defs().create(A, definition(), 'alice');
      const deleted = await defs().setWorkflowState(A, created.csid, 'deleted', { actor: 'bob', expectedRevision: 1 });
      expect(deleted?.core).to.deep.include({ workflowState: 'deleted', revision: 2, updatedBy: 'bob', createdAt: created.core.createdAt });
      expect(deleted?.core.updatedAt.getTime()).to.be.greaterThan(created.core.updatedAt.getTime());
      expect(deleted?.definition).to.deep.equal(created.definition);
      expect(await defs().get(A, created.csid)).to.deep.equal(deleted);
      const restored = await defs().setWorkflowState(A, created.csid, 'project', { actor: 'carol' });
      expect(restored?.core).to.deep.include({ workflowState: 'project', revision: 3 });
    });

    it('returns undefined for an unknown csid or another tenant, and throws and changes nothing on a stale revision', async () => {
      const created = await defs().create(A, definition(), 'alice');
      expect(await defs().setWorkflowState(A, UNKNOWN, 'deleted', { actor: 'bob' })).to.equal(undefined);
      expect(await defs().setWorkflowState(B, created.csid, 'deleted', { actor: 'eve' })).to.equal(undefined);
      const stale = defs().setWorkflowState(A, created.csid, 'deleted', { actor: 'bob', expectedRevision: 5 });
      expect(await rejection(stale)).to.be.instanceOf(PreconditionFailedError);
      expect(await defs().get(A, created.csid)).to.deep.equal(created);
    });
  });

  describe('definitions.delete', () => {
    it('deletes once, then reports false; unknown csids report false', async () => {
      const created = await defs().create(A, definition(), 'alice');
      expect(await defs().delete(A, created.csid)).to.equal(true);
      expect(await defs().get(A, created.csid)).to.equal(undefined);
      expect(await defs().delete(A, created.csid)).to.equal(false);
      expect(await defs().delete(A, UNKNOWN)).to.equal(false);
      expect((await defs().list(A, { docType: 'CollectionObject', paging: PAGE })).totalItems).to.equal(0);
    });

    it('deletes when expectedRevision matches, and throws and keeps it when it does not', async () => {
      const created = await defs().create(A, definition(), 'alice');
      const stale = defs().delete(A, created.csid, { expectedRevision: 3 });
      expect(await rejection(stale)).to.be.instanceOf(PreconditionFailedError);
      expect(await defs().get(A, created.csid)).to.deep.equal(created);
      expect(await defs().delete(A, created.csid, { expectedRevision: 1 })).to.equal(true);
    });

    it("cannot delete another tenant's definition", async () => {
      const created = await defs().create(A, definition(), 'alice');
      expect(await defs().delete(B, created.csid)).to.equal(false);
      expect(await defs().delete(B, created.csid, { expectedRevision: 1 })).to.equal(false);
      expect(await defs().get(A, created.csid)).to.deep.equal(created);
    });
  });

  describe('definitions.setAlias', () => {
    const ROOM = { maxAliases: 5 };

    it('makes get find the definition by its alias in its tenant only, and by its csid still', async () => {
      const created = await defs().create(A, definition(), 'alice');
      expect(await defs().setAlias(A, 'update-object', created.csid, ROOM)).to.deep.equal({});
      expect(await defs().get(A, 'update-object')).to.deep.equal(created);
      expect(await defs().get(A, created.csid)).to.deep.equal(created);
      expect(await defs().get(B, 'update-object')).to.equal(undefined);
      expect(await defs().get(A, 'another-alias')).to.equal(undefined);
    });

    it('moves an alias that named another definition, saying which; setting it again says nothing moved', async () => {
      const first = await defs().create(A, definition({ name: 'First' }), 'alice');
      const second = await defs().create(A, definition({ name: 'Second' }), 'alice');
      await defs().setAlias(A, 'current', first.csid, ROOM);
      expect(await defs().setAlias(A, 'current', second.csid, ROOM)).to.deep.equal({ previous: first.csid });
      expect((await defs().get(A, 'current'))?.csid).to.equal(second.csid);
      expect(await defs().setAlias(A, 'current', second.csid, ROOM)).to.deep.equal({});
    });

    it('refuses an unknown csid or one of another tenant, and keeps the same alias apart per tenant', async () => {
      const inA = await defs().create(A, definition(), 'alice');
      const inB = await defs().create(B, definition(), 'bob');
      expect(await defs().setAlias(A, 'shared', UNKNOWN, ROOM)).to.equal(undefined);
      expect(await defs().setAlias(A, 'shared', inB.csid, ROOM)).to.equal(undefined);
      expect(await defs().get(A, 'shared')).to.equal(undefined);
      await defs().setAlias(A, 'shared', inA.csid, ROOM);
      await defs().setAlias(B, 'shared', inB.csid, ROOM);
      expect((await defs().get(A, 'shared'))?.csid).to.equal(inA.csid);
      expect((await defs().get(B, 'shared'))?.csid).to.equal(inB.csid);
    });

    it('refuses an alias past maxAliases, changing nothing; setting one it has, or moving one away, still works', async () => {
      const full = await defs().create(A, definition({ name: 'Full' }), 'alice');
      const other = await defs().create(A, definition({ name: 'Other' }), 'alice');
      const two = { maxAliases: 2 };
      await defs().setAlias(A, 'one', full.csid, two);
      await defs().setAlias(A, 'two', full.csid, two);
      const refused = await rejection(defs().setAlias(A, 'three', full.csid, two));
      expect(refused).to.be.instanceOf(DomainError).and.have.property('code', 'CONFLICT');
      expect(await defs().get(A, 'three')).to.equal(undefined);
      expect(await defs().setAlias(A, 'two', full.csid, two)).to.deep.equal({});
      expect(await defs().setAlias(A, 'two', other.csid, two)).to.deep.equal({ previous: full.csid });
      expect(await defs().setAlias(A, 'three', full.csid, two)).to.deep.equal({});
    });

    it('deleting the definition deletes its aliases, so a new definition can take them over fresh', async () => {
      const created = await defs().create(A, definition(), 'alice');
      await defs().setAlias(A, 'gone', created.csid, ROOM);
      expect(await defs().delete(A, created.csid)).to.equal(true);
      expect(await defs().get(A, 'gone')).to.equal(undefined);
      const next = await defs().create(A, definition(), 'alice');
      expect(await defs().setAlias(A, 'gone', next.csid, ROOM)).to.deep.equal({});
    });
  });

  describe('generations', () => {
    it('moves the definitions generation on at every change to a definition or an alias, and at no read', async () => {
      const generation = async () => (await current().generations()).definitions;
      let csid = '';
      const changes: Array<[string, () => Promise<unknown>]> = [
        ['created', async () => ({ csid } = await defs().create(A, definition(), 'alice'))],
        ['created unless named', () => defs().createUnlessNamed(A, definition({ name: 'Named' }), 'alice', () => undefined)],
        ['updated', () => defs().update(A, csid, definition({ name: 'Renamed' }), { actor: 'bob' })],
        ['soft-deleted', () => defs().setWorkflowState(A, csid, 'deleted', { actor: 'bob' })],
        ['aliased', () => defs().setAlias(A, 'nickname', csid, { maxAliases: 5 })],
        ['deleted', () => defs().delete(A, csid)],
      ];
      for (const [change, write] of changes) {
        const before = await generation();
        await write();
        const after = await generation();
        expect(after, change).to.not.equal(before);
        await defs().get(A, csid);
        await defs().get(A, 'nickname');
        await defs().list(A, { paging: PAGE });
        expect(await generation(), `reads after: ${change}`).to.equal(after);
      }
    });
  });

  describe('definitions.list', () => {
    const NO_MODES = {
      supportsSingleDoc: false,
      supportsDocList: false,
      supportsGroup: false,
      supportsNoContext: false,
    };
    const BY_NAME = { field: 'name', direction: 'asc' } as const;

    /** Created in this order, so the default sort (updatedAt desc) is Delta, Charlie, Bravo, Alpha. */
    async function seed(): Promise<void> {
      const seeds: Array<Partial<BatchDefinition>> = [
        { name: 'Alpha', forDocTypes: ['CollectionObject', 'Loanout'], supportsSingleDoc: true },
        { name: 'Bravo', forDocTypes: ['Group'], supportsGroup: true, className: 'x.Group' },
        { name: 'Charlie', forDocTypes: ['collectionobject'], supportsDocList: true, className: 'x.List' },
        { name: 'Delta', forDocTypes: [], supportsNoContext: true, className: 'x.Report' },
      ];
      for (const seeded of seeds) await defs().create(A, definition({ ...NO_MODES, ...seeded }), 'alice');
      const other = definition({ name: 'Other tenant', forDocTypes: ['Group', 'CollectionObject'] });
      await defs().create(B, { ...other, supportsGroup: true, className: 'x.Group' }, 'eve');
    }

    type Query = Omit<DefinitionQuery, 'paging'>;
    const list = (query: Query, paging = PAGE) => defs().list(A, { ...query, paging });
    const listed = async (query: Query, paging = PAGE) => names((await list(query, paging)).items);
    const count = async (query: Query) => (await list(query)).totalItems;

    it("lists the tenant's definitions, newest update first by default, never another tenant's", async () => {
      await seed();
      const page = await list({});
      expect(names(page.items)).to.deep.equal(['Delta', 'Charlie', 'Bravo', 'Alpha']);
      expect(page).to.deep.include({ totalItems: 4, pageNum: 0, pageSize: 40 });
      expect(names((await defs().list(B, { paging: PAGE })).items)).to.deep.equal(['Other tenant']);
    });

    it('filters by doctype, case-sensitively, on any element of forDocTypes', async () => {
      await seed();
      expect(await listed({ docType: 'CollectionObject' })).to.deep.equal(['Alpha']);
      expect(await listed({ docType: 'Loanout' })).to.deep.equal(['Alpha']);
      expect(await listed({ docType: 'collectionobject' })).to.deep.equal(['Charlie']);
      expect(await count({ docType: 'Intake' })).to.equal(0);
    });

    it('ORs the modes among themselves', async () => {
      await seed();
      expect(await listed({ modes: ['single', 'group'], sort: BY_NAME })).to.deep.equal(['Alpha', 'Bravo']);
      expect(await listed({ modes: ['nocontext'] })).to.deep.equal(['Delta']);
    });

    it('matches className exactly', async () => {
      await seed();
      expect(await listed({ className: 'x.Group' })).to.deep.equal(['Bravo']);
      expect(await count({ className: 'x.group' })).to.equal(0);
      expect(await count({ className: 'x' })).to.equal(0);
    });

    it("filters on the workflow state, AND-ed with the other clauses even under combine 'or'", async () => {
      await seed();
      const bravo = (await list({ className: 'x.Group' })).items[0] as StoredDefinition;
      await defs().setWorkflowState(A, bravo.csid, 'deleted', { actor: 'bob' });
      expect(await listed({ workflow: 'active', sort: BY_NAME })).to.deep.equal(['Alpha', 'Charlie', 'Delta']);
      expect(await listed({ workflow: 'deleted' })).to.deep.equal(['Bravo']);
      expect(await count({})).to.equal(4);
      expect(await listed({ docType: 'Group', modes: ['list'], combine: 'or', workflow: 'active' })).to.deep.equal(['Charlie']);
      expect(await listed({ docType: 'Group', modes: ['list'], combine: 'or', workflow: 'deleted' })).to.deep.equal(['Bravo']);
    });

    it("ANDs the clauses by default and ORs them with combine 'or'", async () => {
      await seed();
      expect(await count({ docType: 'Group', modes: ['single'] })).to.equal(0);
      expect(await listed({ docType: 'Group', modes: ['group'], className: 'x.Group' })).to.deep.equal(['Bravo']);
      const or = await list({ docType: 'Group', modes: ['list'], className: 'x.Report', combine: 'or', sort: BY_NAME });
      expect(names(or.items)).to.deep.equal(['Bravo', 'Charlie', 'Delta']);
      expect(or.totalItems).to.equal(3);
    });

    it('sorts by name or updatedAt, either way', async () => {
      await seed();
      expect(await listed({ sort: BY_NAME })).to.deep.equal(['Alpha', 'Bravo', 'Charlie', 'Delta']);
      const byNameDesc = await listed({ sort: { field: 'name', direction: 'desc' } });
      expect(byNameDesc).to.deep.equal(['Delta', 'Charlie', 'Bravo', 'Alpha']);
      const [alpha] = (await list({ className: 'org.example.UpdateObject' })).items;
      await defs().update(A, alpha?.csid ?? '', definition({ name: 'Alpha' }), { actor: 'bob' });
      expect(await listed({})).to.deep.equal(['Alpha', 'Delta', 'Charlie', 'Bravo']);
      const oldestFirst = await listed({ sort: { field: 'updatedAt', direction: 'asc' } });
      expect(oldestFirst).to.deep.equal(['Bravo', 'Charlie', 'Delta', 'Alpha']);
    });

    it('pages through the matches, counting all of them, with an empty page past the end', async () => {
      await seed();
      const first = await list({ sort: BY_NAME }, { pageNum: 0, pageSize: 3 });
      expect(names(first.items)).to.deep.equal(['Alpha', 'Bravo', 'Charlie']);
      expect(first).to.deep.include({ totalItems: 4, pageNum: 0, pageSize: 3 });
      const second = await list({ sort: BY_NAME }, { pageNum: 1, pageSize: 3 });
      expect(names(second.items)).to.deep.equal(['Delta']);
      expect(second.totalItems).to.equal(4);
      const past = await list({ sort: BY_NAME }, { pageNum: 5, pageSize: 3 });
      expect(past).to.deep.include({ items: [], totalItems: 4, pageNum: 5 });
      expect((await list({ modes: ['single', 'group'] }, { pageNum: 0, pageSize: 1 })).totalItems).to.equal(2);
    });

    it('breaks sort ties by csid, so pages neither repeat nor skip', async () => {
      const created: string[] = [];
      for (let i = 0; i < 3; i += 1) created.push((await defs().create(A, definition({ name: 'Same' }), 'alice')).csid);
      const paged: string[] = [];
      for (let pageNum = 0; pageNum < 3; pageNum += 1) {
        paged.push(...csids((await list({ sort: BY_NAME }, { pageNum, pageSize: 1 })).items));
      }
      expect(paged).to.deep.equal([...created].sort());
    });
  });
}

function describeRecords(current: () => Store): void {
  const records = () => current().records;
  const relations = () => current().relations;
  const createRecord = (docType: string, fields: RecordFields = {}, tenant = A) =>
    records().create(tenant, docType, fields, tenant === A ? 'alice' : 'eve');

  describe('records.create', () => {
    it('assigns a fresh csid at revision 1 and stores docType and fields as given', async () => {
      const fields = { title: 'Vase', count: 3, fragile: true, note: null, tags: ['a'], size: { h: 10, unit: 'cm' } };
      const created = await createRecord('CollectionObject', fields);
      expect(created.csid).to.match(UUID);
      expect(created).to.deep.include({ docType: 'CollectionObject', fields });
      expect(created.core).to.deep.include(createdBy('alice'));
      expect(await records().get(A, created.csid)).to.deep.equal(created);
    });
  });

  describe('records.get', () => {
    it('matches the docType case-insensitively and hides other types, unknown csids and other tenants', async () => {
      const created = await createRecord('CollectionObject', { title: 'Vase' });
      expect(await records().get(A, created.csid, 'collectionobject')).to.deep.equal(created);
      expect(await records().get(A, created.csid, 'Group')).to.equal(undefined);
      expect(await records().get(A, UNKNOWN)).to.equal(undefined);
      expect(await records().get(B, created.csid)).to.equal(undefined);
    });
  });

  describe('records.getMany', () => {
    it("returns only the tenant's existing records among the csids", async () => {
      const one = await createRecord('CollectionObject');
      const two = await createRecord('Group');
      const other = await createRecord('CollectionObject', {}, B);
      const found = await records().getMany(A, [one.csid, UNKNOWN, two.csid, other.csid, one.csid]);
      expect(csids(found).sort()).to.deep.equal([one.csid, two.csid].sort());
      expect(await records().getMany(A, [])).to.deep.equal([]);
    });

    it("answers the doc types of the tenant's existing records among the csids (docTypesOf)", async () => {
      const one = await createRecord('CollectionObject');
      const two = await createRecord('Group');
      const other = await createRecord('CollectionObject', {}, B);
      const types = await records().docTypesOf(A, [one.csid, UNKNOWN, two.csid, other.csid, one.csid]);
      expect([...types.entries()].sort()).to.deep.equal([[one.csid, 'CollectionObject'], [two.csid, 'Group']].sort());
      expect((await records().docTypesOf(A, [])).size).to.equal(0);
    });
  });

  describe('records.update', () => {
    it('replaces the fields, increments the revision and updatedAt, and keeps createdAt', async () => {
      const created = await createRecord('CollectionObject', { title: 'Vase', old: 'x' });
      const options = { actor: 'bob', docType: 'COLLECTIONOBJECT' };
      const updated = await records().update(A, created.csid, { title: 'Jug' }, options);
      expect(updated?.fields).to.deep.equal({ title: 'Jug' });
      expect(updated?.core).to.deep.include({ revision: 2, updatedBy: 'bob', createdAt: created.core.createdAt });
      expect(updated?.core.updatedAt.getTime()).to.be.greaterThan(created.core.updatedAt.getTime());
      expect(await records().get(A, created.csid)).to.deep.equal(updated);
    });

    it('returns undefined and changes nothing on a docType mismatch, an unknown csid or another tenant', async () => {
      const created = await createRecord('CollectionObject', { title: 'Vase' });
      const fields = { title: 'X' };
      expect(await records().update(A, created.csid, fields, { actor: 'bob', docType: 'Group' })).to.equal(undefined);
      expect(await records().update(A, UNKNOWN, fields, { actor: 'bob' })).to.equal(undefined);
      const stale = { actor: 'eve', expectedRevision: 1 };
      expect(await records().update(B, created.csid, fields, stale)).to.equal(undefined);
      expect(await records().get(A, created.csid)).to.deep.equal(created);
    });

    it('throws and changes nothing when expectedRevision does not match', async () => {
      const created = await createRecord('CollectionObject', { title: 'Vase' });
      const stale = records().update(A, created.csid, { title: 'X' }, { actor: 'bob', expectedRevision: 0 });
      expect(await rejection(stale)).to.be.instanceOf(PreconditionFailedError);
      expect(await records().get(A, created.csid)).to.deep.equal(created);
      const updated = await records().update(A, created.csid, { title: 'Y' }, { actor: 'bob', expectedRevision: 1 });
      expect(updated?.core.revision).to.equal(2);
    });
  });

  describe('records.setWorkflowState', () => {
    it('soft-deletes and restores a record, keeping its fields and relations, stamping the change', async () => {
      const vase = await createRecord('CollectionObject', { title: 'Vase' });
      const link = await relations().create(A, relation(vase.csid, UNKNOWN), 'alice');
      const deleted = await records().setWorkflowState(A, vase.csid, 'deleted', { actor: 'bob', docType: 'collectionobject' });
      expect(deleted?.fields).to.deep.equal({ title: 'Vase' });
      expect(deleted?.core).to.deep.include({ workflowState: 'deleted', updatedBy: 'bob', revision: 2, createdBy: vase.core.createdBy });
      expect(deleted?.core.updatedAt.getTime()).to.be.greaterThan(vase.core.updatedAt.getTime());
      expect(await records().get(A, vase.csid)).to.deep.equal(deleted);
      expect(await relations().get(A, link.csid)).to.deep.equal(link);
      const restored = await records().setWorkflowState(A, vase.csid, 'project', { actor: 'eve', expectedRevision: 2 });
      expect(restored?.core).to.deep.include({ workflowState: 'project', updatedBy: 'eve', revision: 3 });
    });

    it('lists soft-deleted records unless excludeDeleted', async () => {
      const kept = await createRecord('CollectionObject');
      const gone = await createRecord('CollectionObject');
      await records().setWorkflowState(A, gone.csid, 'deleted', { actor: 'bob' });
      const listed = async (excludeDeleted?: boolean) =>
        csids((await records().list(A, { docTypes: ['CollectionObject'], ...(excludeDeleted !== undefined && { excludeDeleted }), paging: PAGE })).items);
      expect(await listed()).to.have.members([kept.csid, gone.csid]);
      expect(await listed(false)).to.have.members([kept.csid, gone.csid]);
      expect(await listed(true)).to.deep.equal([kept.csid]);
    });

    it('changes nothing on a docType or revision mismatch, an unknown csid or another tenant', async () => {
      const vase = await createRecord('CollectionObject');
      expect(await records().setWorkflowState(A, vase.csid, 'deleted', { actor: 'bob', docType: 'Group' })).to.equal(undefined);
      expect(await records().setWorkflowState(A, UNKNOWN, 'deleted', { actor: 'bob' })).to.equal(undefined);
      expect(await records().setWorkflowState(B, vase.csid, 'deleted', { actor: 'bob' })).to.equal(undefined);
      const stale = records().setWorkflowState(A, vase.csid, 'deleted', { actor: 'bob', expectedRevision: 0 });
      expect(await rejection(stale)).to.be.instanceOf(PreconditionFailedError);
      expect(await records().get(A, vase.csid)).to.deep.equal(vase);
    });
  });

  describe('records.delete', () => {
    it('deletes the record and every relation naming it, as subject or object', async () => {
      const vase = await createRecord('CollectionObject');
      const group = await createRecord('Group');
      const jug = await createRecord('CollectionObject');
      await relations().create(A, relation(vase.csid, group.csid), 'alice');
      await relations().create(A, relation(group.csid, vase.csid), 'alice');
      const kept = await relations().create(A, relation(jug.csid, group.csid), 'alice');
      expect(await records().delete(A, vase.csid, { docType: 'collectionobject' })).to.equal(true);
      expect(await records().get(A, vase.csid)).to.equal(undefined);
      expect(csids((await relations().list(A, { paging: PAGE })).items)).to.deep.equal([kept.csid]);
      expect(await records().delete(A, vase.csid)).to.equal(false);
    });

    it('keeps the record and its relations on a docType or revision mismatch, or from another tenant', async () => {
      const vase = await createRecord('CollectionObject');
      const link = await relations().create(A, relation(vase.csid, UNKNOWN), 'alice');
      expect(await records().delete(A, vase.csid, { docType: 'Group' })).to.equal(false);
      const stale = records().delete(A, vase.csid, { expectedRevision: 2 });
      expect(await rejection(stale)).to.be.instanceOf(PreconditionFailedError);
      expect(await records().delete(B, vase.csid)).to.equal(false);
      expect(await records().get(A, vase.csid)).to.deep.equal(vase);
      expect(await relations().get(A, link.csid)).to.deep.equal(link);
      expect(await records().delete(A, vase.csid, { expectedRevision: 1 })).to.equal(true);
      expect(await relations().get(A, link.csid)).to.equal(undefined);
    });
  });

  describe('records.list', () => {
    type Query = Omit<RecordQuery, 'paging'>;
    const listed = async (query: Query, paging = PAGE) => csids((await records().list(A, { ...query, paging })).items);
    const count = async (query: Query, tenant = A) =>
      (await records().list(tenant, { ...query, paging: PAGE })).totalItems;

    it('filters by docTypes, case-insensitively, never listing another tenant', async () => {
      const vase = await createRecord('CollectionObject');
      const group = await createRecord('Group');
      await createRecord('Loanout');
      await createRecord('CollectionObject', {}, B);
      expect(await listed({ docTypes: ['collectionobject', 'GROUP'] })).to.deep.equal([group.csid, vase.csid]);
      expect(await count({ docTypes: ['collectionobject', 'GROUP'] })).to.equal(2);
      expect(await count({})).to.equal(3);
      expect(await count({}, B)).to.equal(1);
    });

    it('ANDs fieldEquals, comparing string fields only', async () => {
      const match = await createRecord('Group', { title: 'Loans', owner: 'alice' });
      await createRecord('Group', { title: 'Loans', owner: 'bob' });
      await createRecord('Group', { title: ['Loans'], count: 5, owner: 'alice' });
      expect(await listed({ fieldEquals: { title: 'Loans', owner: 'alice' } })).to.deep.equal([match.csid]);
      expect(await count({ fieldEquals: { count: '5' } })).to.equal(0);
      expect(await count({ fieldEquals: { missing: 'x' } })).to.equal(0);
    });

    it('sorts by updatedAt (default desc) or createdAt, and pages with a total count', async () => {
      const [a, b, c] = [await createRecord('Group'), await createRecord('Group'), await createRecord('Group')].map(
        (record) => record.csid,
      );
      await records().update(A, a ?? '', { title: 'changed' }, { actor: 'bob' });
      expect(await listed({})).to.deep.equal([a, c, b]);
      expect(await listed({ sort: { field: 'createdAt', direction: 'asc' } })).to.deep.equal([a, b, c]);
      expect(await listed({ sort: { field: 'createdAt', direction: 'desc' } })).to.deep.equal([c, b, a]);
      const paging = { pageNum: 1, pageSize: 2 };
      const second = await records().list(A, { sort: { field: 'updatedAt', direction: 'asc' }, paging });
      expect(second).to.deep.include({ totalItems: 3, pageNum: 1, pageSize: 2 });
      expect(csids(second.items)).to.deep.equal([a]);
      expect(await listed({}, { pageNum: 2, pageSize: 2 })).to.deep.equal([]);
    });
  });

  describe('records.scan', () => {
    const scanned = async (query: RecordFilter, batchSize: number, tenant = A) => {
      const seen: string[] = [];
      for await (const record of records().scan(tenant, query, { batchSize })) seen.push(record.csid);
      return seen;
    };
    const oldestFirst = async (query: RecordFilter) =>
      csids((await records().list(A, { ...query, sort: { field: 'createdAt', direction: 'asc' }, paging: PAGE })).items);

    it('yields every match once, oldest first, whatever the batch size, never another tenant\'s', async () => {
      for (let i = 0; i < 7; i += 1) await createRecord(i % 3 === 0 ? 'Loanout' : 'Group', { owner: i % 2 === 0 ? 'alice' : 'bob' });
      await createRecord('Group', { owner: 'alice' }, B);
      const all = await oldestFirst({});
      expect(all).to.have.length(7);
      for (const batchSize of [1, 2, 3, 7, 100]) expect(await scanned({}, batchSize)).to.deep.equal(all);
      const groups = { docTypes: ['group'], fieldEquals: { owner: 'alice' } };
      expect(await scanned(groups, 2)).to.deep.equal(await oldestFirst(groups));
      for (const query of [{}, groups]) {
        const keys: string[] = [];
        for await (const csid of records().scanCsids(A, query, { batchSize: 2 })) keys.push(csid);
        expect(keys, 'scanCsids').to.deep.equal(await scanned(query, 3));
      }
      expect(await scanned({}, 2, B)).to.have.length(1);
      expect(await scanned({ docTypes: ['Nothing'] }, 2)).to.deep.equal([]);
    });

    it('stops reading when the consumer stops', async () => {
      for (let i = 0; i < 5; i += 1) await createRecord('Group');
      const taken: string[] = [];
      for await (const record of records().scan(A, {}, { batchSize: 2 })) {
        taken.push(record.csid);
        if (taken.length === 3) break;
      }
      expect(taken).to.deep.equal((await oldestFirst({})).slice(0, 3));
    });
  });
}

function describeRelations(current: () => Store): void {
  const relations = () => current().relations;

  describe('relations.create', () => {
    it('assigns a fresh csid at revision 1 and stores the relation as given', async () => {
      const input = relation('11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222');
      const created = await relations().create(A, input, 'alice');
      expect(created.csid).to.match(UUID);
      expect(created).to.deep.include(input);
      expect(created.core).to.deep.include(createdBy('alice'));
    });
  });

  describe('relations.get', () => {
    it('returns the relation, or undefined for an unknown csid or another tenant', async () => {
      const created = await relations().create(A, relation('s', 'o'), 'alice');
      expect(await relations().get(A, created.csid)).to.deep.equal(created);
      expect(await relations().get(A, UNKNOWN)).to.equal(undefined);
      expect(await relations().get(B, created.csid)).to.equal(undefined);
    });
  });

  describe('relations.delete', () => {
    it('deletes once, and never from another tenant', async () => {
      const created = await relations().create(A, relation('s', 'o'), 'alice');
      expect(await relations().delete(B, created.csid)).to.equal(false);
      expect(await relations().get(A, created.csid)).to.deep.equal(created);
      expect(await relations().delete(A, created.csid)).to.equal(true);
      expect(await relations().delete(A, created.csid)).to.equal(false);
      expect(await relations().get(A, created.csid)).to.equal(undefined);
    });
  });

  describe('relations.list', () => {
    const listed = async (query: Omit<RelationQuery, 'paging'>) =>
      csids((await relations().list(A, { ...query, paging: PAGE })).items);

    it('filters by subject, object and relationship type, oldest first, within the tenant', async () => {
      const first = await relations().create(A, relation('s1', 'o1', 'affects'), 'alice');
      const second = await relations().create(A, relation('s1', 'o2', 'hasMember'), 'alice');
      const third = await relations().create(A, relation('s2', 'o1', 'affects'), 'alice');
      await relations().create(B, relation('s1', 'o1', 'affects'), 'eve');
      expect(await listed({})).to.deep.equal([first.csid, second.csid, third.csid]);
      expect(await listed({ subjectCsid: 's1' })).to.deep.equal([first.csid, second.csid]);
      expect(await listed({ objectCsid: 'o1' })).to.deep.equal([first.csid, third.csid]);
      expect(await listed({ relationshipType: 'affects' })).to.deep.equal([first.csid, third.csid]);
      const all = { subjectCsid: 's1', objectCsid: 'o1', relationshipType: 'affects' };
      expect(await listed(all)).to.deep.equal([first.csid]);
      expect(await listed({ subjectCsid: 'S1' })).to.deep.equal([]);
    });

    it('pages with a count of all matches', async () => {
      for (const object of ['o1', 'o2', 'o3']) await relations().create(A, relation('s', object), 'alice');
      const page = await relations().list(A, { subjectCsid: 's', paging: { pageNum: 1, pageSize: 2 } });
      expect(page).to.deep.include({ totalItems: 3, pageNum: 1, pageSize: 2 });
      expect(page.items.map((item) => item.objectCsid)).to.deep.equal(['o3']);
      expect((await relations().list(A, { paging: { pageNum: 3, pageSize: 2 } })).items).to.deep.equal([]);
    });
  });
}
