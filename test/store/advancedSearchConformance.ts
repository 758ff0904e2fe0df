/**
 * Advanced search (`as`) on every store engine: the same NXQL text, parsed and resolved as the HTTP layer does,
 * must list the same definitions and records, with true totals, on SQLite and on MongoDB.
 */
import { expect } from 'chai';
import { parseAdvancedSearch } from '../../src/codec/nxqlParser.js';
import { resolveDefinitionSearch, resolveRecordSearch } from '../../src/domain/searchFields.js';
import type { DefinitionSearch, RecordSearch } from '../../src/domain/searchFields.js';
import type { BatchDefinition, RecordFields, TenantId } from '../../src/domain/types.js';
import type { DefinitionQuery, RecordQuery, Store } from '../../src/store/types.js';
import { definition, tickingClock, type StoreConformanceOptions } from './storeConformance.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const PAGE = { pageNum: 0, pageSize: 40 };
const BY_NAME = { field: 'name', direction: 'asc' } as const;
const NO_MODES = { supportsSingleDoc: false, supportsDocList: false, supportsGroup: false, supportsNoContext: false };

export interface AdvancedSearchConformanceOptions extends StoreConformanceOptions {
  /**
   * Why this engine's server cannot run a search as the engine means it (an emulator lacking an operator the
   * engine's query uses), or `undefined`: a test meeting such a search is skipped with the reason printed.
   */
  unsupported?: {
    definitions: (search: DefinitionSearch) => string | undefined;
    records: (search: RecordSearch) => string | undefined;
  };
}

/** Skips the running test, saying why, when `reason` is given. */
type SkipIf = (reason: string | undefined) => void;

export function describeAdvancedSearchConformance(options: AdvancedSearchConformanceOptions): void {
  describe(`${options.name} advanced search (as) conformance`, () => {
    let store: Store;
    let testName = '';
    let test: Mocha.Test | undefined;

    beforeEach(async function () {
      testName = this.currentTest?.fullTitle() ?? '';
      test = this.currentTest;
      store = await options.create(testName, { now: tickingClock() });
    });

    afterEach(async function () {
      await options.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    const skipIf: SkipIf = (reason) => {
      if (reason === undefined) return;
      console.log(`      skipped on ${options.name}: ${reason}`);
      // The test's own skip(): this hook's context is the outer suite's, whose skip() would mark the hook.
      test?.skip();
    };
    describeDefinitionSearch(() => store, (search) => skipIf(options.unsupported?.definitions(search)));
    describeRecordSearch(() => store, (search) => skipIf(options.unsupported?.records(search)));
  });
}

function describeDefinitionSearch(current: () => Store, checkSupported: (search: DefinitionSearch) => void): void {
  describe('definitions.list with advancedSearch', () => {
    /** Created in this order: Alpha is the oldest. */
    async function seed(): Promise<void> {
      const seeds: Array<Partial<BatchDefinition>> = [
        { name: 'Alpha loan', forDocTypes: ['CollectionObject'], supportsSingleDoc: true, notes: 'first' },
        { name: 'Bravo group', forDocTypes: ['CollectionObject'], supportsGroup: true, createsNewFocus: true },
        { name: 'Charlie on a group', forDocTypes: ['Group', 'Loanout'], supportsSingleDoc: true },
        { name: 'Delta group list', forDocTypes: ['Group'], supportsDocList: true },
        { name: 'Echo LOAN report', forDocTypes: [], supportsNoContext: true, forRoles: ['TENANT_READER'] },
      ];
      for (const seeded of seeds) await current().definitions.create(A, definition({ ...NO_MODES, ...seeded }), 'alice');
      await current().definitions.create(B, definition({ ...NO_MODES, name: 'Other tenant group', supportsGroup: true }), 'eve');
    }

    const list = (as: string, query: Partial<DefinitionQuery> = {}) => {
      const advancedSearch = resolveDefinitionSearch(parseAdvancedSearch(as));
      checkSupported(advancedSearch);
      return current().definitions.list(A, { sort: BY_NAME, paging: PAGE, ...query, advancedSearch });
    };
    const listed = async (as: string, query: Partial<DefinitionQuery> = {}) =>
      (await list(as, query)).items.map((item) => item.definition.name);

    it("answers cspace-ui's Group record panel query: group jobs, and single-record jobs for Group", async () => {
      await seed();
      const as =
        '((batch_common:supportsGroup = 1 OR (batch_common:forDocTypes/* = "Group" AND batch_common:supportsSingleDoc = 1)))';
      expect(await listed(as)).to.deep.equal(['Bravo group', 'Charlie on a group']);
    });

    it("answers cspace-ui's batch page name filter case-insensitively (ILIKE), and LIKE case-sensitively", async () => {
      await seed();
      expect(await listed('(batch_common:name ILIKE "%loan%")')).to.deep.equal(['Alpha loan', 'Echo LOAN report']);
      expect(await listed('batch_common:name LIKE "%loan%"')).to.deep.equal(['Alpha loan']);
      expect(await listed('batch_common:name LIKE "_lpha%"')).to.deep.equal(['Alpha loan']);
      expect(await listed('batch_common:name NOT ILIKE "%group%"')).to.deep.equal(['Alpha loan', 'Echo LOAN report']);
    });

    it('compares text, takes IN and BETWEEN, and reads <> and NOT as "no value matches"', async () => {
      await seed();
      expect(await listed('batch_common:name >= "C" AND batch_common:name < "E"')).to.deep.equal([
        'Charlie on a group',
        'Delta group list',
      ]);
      expect(await listed("batch_common:name IN ('Alpha loan', 'Delta group list', 'Nobody')")).to.deep.equal([
        'Alpha loan',
        'Delta group list',
      ]);
      expect(await listed('batch_common:name NOT BETWEEN "B" AND "D"')).to.deep.equal(['Alpha loan', 'Delta group list', 'Echo LOAN report']);
      // Absent notes hold no value equal to "first", so <> matches them.
      expect(await listed('batch_common:notes <> "first"')).to.have.length(4);
      expect(await listed('batch_common:forDocTypes <> "Group"')).to.deep.equal(['Alpha loan', 'Bravo group', 'Echo LOAN report']);
    });

    it('matches list fields on any element, with or without /*, and IS NULL on an empty list or absent field', async () => {
      await seed();
      expect(await listed('batch_common:forDocTypes/* = "Loanout"')).to.deep.equal(['Charlie on a group']);
      expect(await listed('batch_common:forDocTypes = "Group"')).to.deep.equal(['Charlie on a group', 'Delta group list']);
      expect(await listed('batch_common:forDocTypes/forDocType IN ("Loanout", "CollectionObject")')).to.deep.equal([
        'Alpha loan',
        'Bravo group',
        'Charlie on a group',
      ]);
      expect(await listed('batch_common:forDocTypes IS NULL')).to.deep.equal(['Echo LOAN report']);
      expect(await listed('batch_common:notes IS NOT NULL')).to.deep.equal(['Alpha loan']);
      expect(await listed('batch_common:forRoles/* = "TENANT_READER"')).to.deep.equal(['Echo LOAN report']);
    });

    it('reads flags as 1 or 0, an absent flag being 0', async () => {
      await seed();
      expect(await listed('batch_common:createsNewFocus = 1')).to.deep.equal(['Bravo group']);
      expect(await listed('batch_common:createsNewFocus = 0')).to.have.length(4);
      expect(await listed('batch_common:supportsNoContext = 1 OR batch_common:supportsDocList = 1')).to.deep.equal([
        'Delta group list',
        'Echo LOAN report',
      ]);
      expect(await listed('NOT batch_common:supportsSingleDoc = 0')).to.deep.equal(['Alpha loan', 'Charlie on a group']);
    });

    it('compares collectionspace_core times and people', async () => {
      await seed();
      const all = await current().definitions.list(A, { sort: { field: 'updatedAt', direction: 'asc' }, paging: PAGE });
      const third = all.items[2]?.core.updatedAt.toISOString() ?? '';
      expect(await listed(`collectionspace_core:updatedAt >= TIMESTAMP "${third}"`)).to.deep.equal([
        'Charlie on a group',
        'Delta group list',
        'Echo LOAN report',
      ]);
      expect(await listed(`collectionspace_core:createdAt < TIMESTAMP "${third}"`)).to.deep.equal(['Alpha loan', 'Bravo group']);
      expect(await listed('collectionspace_core:createdBy = "alice"')).to.have.length(5);
      expect(await listed('collectionspace_core:updatedBy ILIKE "ALI%"')).to.have.length(5);
    });

    it('ANDs the search with doctype and mode, whatever combine says of them, and pages with a true total', async () => {
      await seed();
      expect(await listed('batch_common:name ILIKE "%group%"', { docType: 'Group' })).to.deep.equal([
        'Charlie on a group',
        'Delta group list',
      ]);
      expect(await listed('batch_common:name ILIKE "%group%"', { docType: 'Group', modes: ['group'], combine: 'or' })).to.deep.equal([
        'Bravo group',
        'Charlie on a group',
        'Delta group list',
      ]);
      const page = await list('batch_common:name ILIKE "%o%"', { paging: { pageNum: 1, pageSize: 2 } });
      expect(page.totalItems).to.equal(5);
      expect(page.items.map((item) => item.definition.name)).to.deep.equal(['Charlie on a group', 'Delta group list']);
    });

    it("never lists another tenant's definitions", async () => {
      await seed();
      expect(await listed('batch_common:name = "Other tenant group"')).to.deep.equal([]);
      expect(await listed('batch_common:supportsGroup = 1')).to.deep.equal(['Bravo group']);
    });
  });
}

function describeRecordSearch(current: () => Store, checkSupported: (search: RecordSearch) => void): void {
  describe('records.list with advancedSearch', () => {
    const objects: RecordFields[] = [
      { objectNumber: '2024.1', titleGroupList: [{ title: 'Vase' }, { title: 'Jar' }], count: 3, tags: ['red', 'blue'] },
      { objectNumber: '2024.2', titleGroupList: { titleGroup: { title: 'Bowl' } }, count: '3', tags: 'green' },
      { objectNumber: '2024.10', titleGroupList: { titleGroup: [{ title: 'Plate' }, { title: '50% off' }] }, count: 12 },
      { objectNumber: 'X_1', note: null },
    ];

    async function seed(): Promise<void> {
      for (const fields of objects) await current().records.create(A, 'CollectionObject', fields, 'alice');
      await current().records.create(A, 'Group', { objectNumber: '2024.1', title: 'Group' }, 'alice');
      await current().records.create(B, 'CollectionObject', { objectNumber: '2024.1' }, 'eve');
    }

    const list = (as: string, query: Partial<RecordQuery> = {}) => {
      const advancedSearch = resolveRecordSearch(parseAdvancedSearch(as));
      checkSupported(advancedSearch);
      return current().records.list(A, {
        docTypes: ['CollectionObject'],
        sort: { field: 'createdAt', direction: 'asc' },
        paging: PAGE,
        ...query,
        advancedSearch,
      });
    };
    const numbers = async (as: string, query: Partial<RecordQuery> = {}) =>
      (await list(as, query)).items.map((item) => item.fields.objectNumber);

    it("answers cspace-ui's record searches: ILIKE on a field, any part name", async () => {
      await seed();
      expect(await numbers('(collectionobjects_common:objectNumber ILIKE "%2024.1%")')).to.deep.equal(['2024.1', '2024.10']);
      expect(await numbers('(anypart:objectNumber = "2024.2")')).to.deep.equal(['2024.2']);
    });

    it('goes through lists at every named step: JSON arrays and XML-shaped lists alike', async () => {
      await seed();
      expect(await numbers('collectionobjects_common:titleGroupList/title = "Jar"')).to.deep.equal(['2024.1']);
      expect(await numbers('collectionobjects_common:titleGroupList/titleGroup/title ILIKE "p%"')).to.deep.equal(['2024.10']);
      expect(await numbers('NOT collectionobjects_common:tags = "red"')).to.deep.equal(['2024.2', '2024.10', 'X_1']);
    });

    // Paths with a `*` step: on MongoDB an aggregation expression (src/store/mongo/listItemsExpression.ts).
    it('takes list items at /*: JSON arrays and XML-shaped lists alike', async () => {
      await seed();
      expect(await numbers('collectionobjects_common:titleGroupList/*1/title = "Jar"')).to.deep.equal(['2024.1']);
      expect(await numbers('collectionobjects_common:titleGroupList/*/title ILIKE "%o%"')).to.deep.equal(['2024.2', '2024.10']);
      expect(await numbers('collectionobjects_common:titleGroupList/*/title IN ("Vase", "Bowl", "Plate")')).to.deep.equal(['2024.1', '2024.2', '2024.10']);
      expect(await numbers('collectionobjects_common:tags/* IN ("green", "blue")')).to.deep.equal(['2024.1', '2024.2']);
      expect(await numbers('NOT collectionobjects_common:titleGroupList/*/title = "Bowl"')).to.deep.equal(['2024.1', '2024.10', 'X_1']);
    });

    it('compares list items at /* by type, with LIKE escapes, and counts them for IS NULL', async () => {
      await seed();
      expect(await numbers('collectionobjects_common:titleGroupList/*/title > "P"')).to.deep.equal(['2024.1', '2024.10']);
      expect(await numbers(String.raw`collectionobjects_common:titleGroupList/*/title LIKE "%\\%%"`)).to.deep.equal(['2024.10']);
      expect(await numbers('collectionobjects_common:count/* = 3')).to.deep.equal(['2024.1']);
      expect(await numbers('collectionobjects_common:count/* >= "3"')).to.deep.equal(['2024.2']);
      expect(await numbers('collectionobjects_common:titleGroupList/*/title IS NULL')).to.deep.equal(['X_1']);
      expect(await numbers('collectionobjects_common:titleGroupList/*/title IS NOT NULL')).to.deep.equal(['2024.1', '2024.2', '2024.10']);
    });

    it('compares values of the literal type only: numbers with numbers, strings with strings', async () => {
      await seed();
      expect(await numbers('collectionobjects_common:count = 3')).to.deep.equal(['2024.1']);
      expect(await numbers('collectionobjects_common:count = "3"')).to.deep.equal(['2024.2']);
      expect(await numbers('collectionobjects_common:count > 2.5')).to.deep.equal(['2024.1', '2024.10']);
      expect(await numbers('collectionobjects_common:count BETWEEN 10 AND 20')).to.deep.equal(['2024.10']);
      expect(await numbers('collectionobjects_common:objectNumber > "2024.10"')).to.deep.equal(['2024.2', 'X_1']);
    });

    it('takes LIKE escapes (\\% and \\_) and IS NULL for absent, null and empty values', async () => {
      await seed();
      expect(await numbers(String.raw`collectionobjects_common:titleGroupList/titleGroup/title LIKE "%\\%%"`)).to.deep.equal(['2024.10']);
      expect(await numbers(String.raw`collectionobjects_common:objectNumber LIKE "X\\_%"`)).to.deep.equal(['X_1']);
      expect(await numbers(String.raw`collectionobjects_common:objectNumber LIKE "X\\\\_%"`)).to.deep.equal([]);
      expect(await numbers('collectionobjects_common:note IS NULL')).to.have.length(4);
      expect(await numbers('collectionobjects_common:tags IS NULL')).to.deep.equal(['2024.10', 'X_1']);
    });

    it('ANDs the search with docTypes and fieldEquals, and pages with a true total', async () => {
      await seed();
      expect(await numbers('x:objectNumber = "2024.1"', { docTypes: ['Group'] })).to.deep.equal(['2024.1']);
      expect(await numbers('x:objectNumber ILIKE "2024%"', { fieldEquals: { objectNumber: '2024.2' } })).to.deep.equal(['2024.2']);
      const page = await list('x:objectNumber ILIKE "2024%"', { paging: { pageNum: 1, pageSize: 2 } });
      expect(page.totalItems).to.equal(3);
      expect(page.items.map((item) => item.fields.objectNumber)).to.deep.equal(['2024.10']);
      expect(await numbers('collectionspace_core:createdBy = "eve"')).to.deep.equal([]);
    });
  });
}
