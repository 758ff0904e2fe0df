/**
 * The records service of one item attempt (src/services/stagedRecords.ts) over a real SQLite store: writes stay
 * out of the store, reads see the store overlaid with them, csids are deterministic, and a sealed attempt refuses
 * writes. Committing them is the run store's (test/store/runStoreConformance.ts).
 */
import { expect } from 'chai';
import { DomainError } from '../../src/domain/errors.js';
import { recordFileOf } from '../../src/domain/recordItems.js';
import { GROUP_DOCTYPE, type Csid, type StoredRecord, type TenantId } from '../../src/domain/types.js';
import type { ItemInfo } from '../../src/plugins/contract.js';
import { RecordService } from '../../src/services/recordService.js';
import { StagedRecords, stagedCsid } from '../../src/services/stagedRecords.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

const TENANT = 'tenant-a' as TenantId;
const ITEM: ItemInfo = { runId: 'run-1', key: 'k', attempt: 1, idempotencyKey: 'run-1:0:k' };

describe('StagedRecords (one item attempt)', () => {
  let store: SqliteStore;
  let records: RecordService;
  const staged = (item: ItemInfo = ITEM, given?: StoredRecord) => new StagedRecords({ records, tenant: TENANT, user: 'alice', item, ...(given && { given }) });
  const stored = (docType: string, fields: Record<string, string>) => store.records.create(TENANT, docType, fields, 'bob');
  const storedCount = async () => (await store.records.list(TENANT, { paging: { pageNum: 0, pageSize: 1 } })).totalItems;

  beforeEach(() => {
    store = SqliteStore.open({ filename: ':memory:' });
    records = new RecordService(store);
  });
  afterEach(() => store.close());

  it('keeps writes out of the store and reads them back: get, find (with fieldEquals and limit), findRelated, groupMembers', async () => {
    const object = await stored('CollectionObject', { status: 'old' });
    const attempt = staged();
    const loan = await attempt.create('Loanout', { status: 'new' });
    const group = await attempt.create(GROUP_DOCTYPE, {});
    await attempt.relate({ csid: group.csid, docType: GROUP_DOCTYPE }, 'contains', { csid: object.csid, docType: 'CollectionObject' });
    await attempt.relate({ csid: loan.csid, docType: 'Loanout' }, 'affects', { csid: object.csid, docType: 'CollectionObject' });
    await attempt.update(object.csid, { status: 'new' });
    expect(await storedCount(), 'nothing reaches the store').to.equal(1);

    expect(await attempt.get(loan.csid, 'loanout')).to.deep.equal(loan);
    expect(await attempt.get(loan.csid, 'CollectionObject')).to.equal(undefined);
    expect((await attempt.get(object.csid))?.fields).to.deep.equal({ status: 'new' });
    expect((await attempt.find('CollectionObject', { status: 'old' })).map((r) => r.csid), 'the staged version no longer matches').to.deep.equal([]);
    expect((await attempt.find('collectionobject', { status: 'new' })).map((r) => r.csid)).to.deep.equal([object.csid]);
    expect((await attempt.find('Loanout', { status: 'new' })).map((r) => r.csid)).to.deep.equal([loan.csid]);
    expect(await attempt.find('Loanout', {}, { limit: 0 })).to.deep.equal([]);
    expect((await attempt.findRelated(object.csid)).map((r) => r.csid)).to.have.members([group.csid, loan.csid]);
    expect((await attempt.findRelated(object.csid, { relationshipType: 'affects', docType: 'loanout' })).map((r) => r.csid)).to.deep.equal([loan.csid]);
    expect((await attempt.groupMembers(group.csid)).map((r) => r.csid)).to.deep.equal([object.csid]);
    expect((await records.find(TENANT, object.csid))?.fields, 'the store still has the record as it was').to.deep.equal({ status: 'old' });
  });

  it("reads a stored record's file, none once the attempt deleted the record, and none of a record it created", async () => {
    const run = await store.runs.create(TENANT, { definitionCsid: 'd', definitionName: 'D', invocation: { docType: 'Resume', listCSIDs: [], params: [] }, createdBy: 'bob', open: true }, [], new Date(0));
    const file = recordFileOf('cv.txt', 'text/plain', Buffer.from('Resume of Ada'));
    const csids = ['00000000-0000-5000-8000-000000000001', '00000000-0000-5000-8000-000000000002'] as Csid[];
    await store.runs.addRecordItems(TENANT, run.id, csids.map((csid) => ({ csid, docType: 'Resume', fields: {}, file })), 'bob', new Date(1));
    const attempt = staged();
    await attempt.update(csids[0]!, { checked: 'yes' });
    expect(await attempt.file(csids[0]!), 'an update keeps the file').to.deep.equal(file);
    await attempt.delete(csids[1]!);
    expect(await attempt.file(csids[1]!)).to.equal(undefined);
    expect(await attempt.file((await attempt.create('Resume', {})).csid)).to.equal(undefined);
    expect(await staged().file(csids[1]!), 'the store still has it until the attempt completes').to.deep.equal(file);
  });

  it('merges staged records into find in the store order, and stops at the limit', async () => {
    const first = await stored('Loanout', { n: '1' });
    const second = await stored('Loanout', { n: '2' });
    // Created a second later than the stored ones: in the same millisecond the store order falls to the csids.
    const later = new Date(second.core.createdAt.getTime() + 1_000);
    const attempt = new StagedRecords({ records, tenant: TENANT, user: 'alice', item: ITEM, now: () => later });
    const created = await attempt.create('Loanout', { n: '3' });
    await attempt.delete(first.csid);
    expect((await attempt.find('Loanout')).map((r) => r.csid)).to.deep.equal([second.csid, created.csid]);
    expect((await attempt.find('Loanout', undefined, { limit: 1 })).map((r) => r.csid)).to.deep.equal([second.csid]);
    expect(await attempt.get(first.csid)).to.equal(undefined);
    expect(await attempt.delete(first.csid), 'deleted once').to.equal(false);
  });

  it('answers what to commit: one update per record at the revision first read, a create then deleted leaves nothing', async () => {
    const record = await stored('CollectionObject', { v: '1' });
    const attempt = staged();
    expect((await attempt.get(record.csid))?.core.revision).to.equal(1);
    await store.records.update(TENANT, record.csid, { v: 'bob' }, { actor: 'bob' });
    const once = await attempt.update(record.csid, { v: '2' });
    const twice = await attempt.update(record.csid, { v: '3' });
    expect([once.core.revision, twice.core.revision]).to.deep.equal([2, 2]);
    const doomed = await attempt.create('Loanout', {});
    await attempt.relate({ csid: doomed.csid, docType: 'Loanout' }, 'affects', { csid: record.csid, docType: 'CollectionObject' });
    expect(await attempt.delete(doomed.csid)).to.equal(true);
    const kept = await attempt.create('Loanout', { kept: 'yes' });
    expect(attempt.seal()).to.deep.equal({
      actor: 'alice',
      creates: [{ csid: kept.csid, docType: 'Loanout', fields: { kept: 'yes' } }],
      updates: [{ csid: record.csid, fields: { v: '3' }, expectedRevision: 1 }],
      relations: [],
      deletes: [],
    });
  });

  it("counts the item's own record as read when it was claimed", async () => {
    const record = await stored('CollectionObject', { v: '1' });
    const attempt = staged(ITEM, record);
    await store.records.update(TENANT, record.csid, { v: 'bob' }, { actor: 'bob' });
    await attempt.delete(record.csid);
    expect(attempt.seal()?.deletes).to.deep.equal([{ csid: record.csid, expectedRevision: 1 }]);
  });

  it('creates the same csids when an attempt is replayed, other ones for another item', async () => {
    const csidsOf = async (item: ItemInfo) => {
      const attempt = staged(item);
      const a = await attempt.create('Loanout', {});
      const b = await attempt.create('Loanout', {});
      const relation = await attempt.relate({ csid: a.csid, docType: 'Loanout' }, 'affects', { csid: b.csid, docType: 'Loanout' });
      return [a.csid, b.csid, relation];
    };
    const first = await csidsOf(ITEM);
    expect(await csidsOf({ ...ITEM, attempt: 2 })).to.deep.equal(first);
    expect(new Set(first).size).to.equal(3);
    expect(first[0]).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first[0]).to.equal(stagedCsid(ITEM.idempotencyKey, 'record', 0));
    const other = await csidsOf({ ...ITEM, idempotencyKey: 'run-1:1:k' });
    expect(other.filter((csid) => first.includes(csid))).to.deep.equal([]);
  });

  it('refuses writes once sealed, a write already waiting on the store included; reads go on', async () => {
    const record = await stored('CollectionObject', {});
    const attempt = staged();
    const waiting = attempt.update(record.csid, { late: 'yes' });
    expect(attempt.seal()).to.equal(undefined);
    for (const write of [waiting, attempt.create('Loanout', {}), attempt.delete(record.csid)]) {
      const error = await write.then(() => undefined, (err: unknown) => err);
      expect(error).to.be.instanceOf(DomainError);
      expect((error as DomainError).message).to.match(/has ended .*: its writes are refused/);
    }
    expect((await attempt.get(record.csid))?.csid).to.equal(record.csid);
    expect(attempt.seal()).to.equal(undefined);
  });

  it('refuses bad input at once, not at commit: fields that are not a JSON object, a relation to a missing record, a missing record', async () => {
    const attempt = staged();
    for (const fields of [null, [], 'text', { big: 10n }]) {
      const error = await attempt.create('Loanout', fields as never).then(() => undefined, (err: unknown) => err);
      expect((error as DomainError).code, String(fields)).to.equal('VALIDATION_FAILED');
    }
    const loan = await attempt.create('Loanout', {});
    const relate = attempt.relate({ csid: loan.csid, docType: 'Loanout' }, 'affects', { csid: 'nope', docType: 'CollectionObject' });
    expect(((await relate.then(() => undefined, (err: unknown) => err)) as DomainError).code).to.equal('NOT_FOUND');
    expect(((await attempt.update('nope', {}).then(() => undefined, (err: unknown) => err)) as DomainError).code).to.equal('NOT_FOUND');
    expect(await attempt.delete('nope')).to.equal(false);
    expect(attempt.seal()).to.deep.include({ creates: [{ csid: loan.csid, docType: 'Loanout', fields: {} }], relations: [], updates: [], deletes: [] });
  });
});
