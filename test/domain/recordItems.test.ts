/**
 * Document items' pure rules: csids derived from a request's idempotency key (so a retry converges on the same
 * records), what a file's record says of it, and the doc type every document must be of.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { DomainError } from '../../src/domain/errors.js';
import { documentDocType, documentItemCsid, itemRecordsOf, recordFileOf } from '../../src/domain/recordItems.js';
import type { RunId } from '../../src/domain/runs.js';
import type { Csid } from '../../src/domain/types.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('document items', () => {
  it('derives the same csid from the same key, run and ordinal, and another from any other', () => {
    const scope = { tenant: 'default', user: 'alice', key: 'upload-1' };
    const csid = documentItemCsid(scope, 'run-1', 0);
    expect(csid).to.match(UUID_V5);
    expect(documentItemCsid({ ...scope }, 'run-1', 0)).to.equal(csid);
    const others = [
      documentItemCsid(scope, 'run-1', 1),
      documentItemCsid(scope, 'run-2', 0),
      documentItemCsid({ ...scope, key: 'upload-2' }, 'run-1', 0),
      documentItemCsid({ ...scope, user: 'bob' }, 'run-1', 0),
      documentItemCsid({ ...scope, tenant: 'museum-b' }, 'run-1', 0),
    ];
    expect(new Set([csid, ...others]).size).to.equal(6);
  });

  it("describes a file in its record's `file` field and keeps its bytes beside the record", () => {
    const content = Buffer.from('Resume of Ada Lovelace');
    const file = recordFileOf('ada.txt', 'text/plain', content);
    expect(file).to.deep.include({ name: 'ada.txt', mediaType: 'text/plain', size: content.length });
    expect(file.sha256).to.equal(createHash('sha256').update(content).digest('hex'));
    const csids = ['c-0', 'c-1'] as Csid[];
    const records = itemRecordsOf([{ file }, { fields: { objectNumber: '1' } }], 'CollectionObject', (ordinal) => csids[ordinal]!);
    expect(records[0]).to.deep.equal({
      csid: 'c-0',
      docType: 'CollectionObject',
      fields: { file: { name: 'ada.txt', mediaType: 'text/plain', size: String(content.length), sha256: file.sha256 } },
      file,
    });
    expect(records[1]).to.deep.equal({ csid: 'c-1', docType: 'CollectionObject', fields: { objectNumber: '1' } });
  });

  it("takes the run's doc type, refusing a document that names another and a run without one", () => {
    const run = { id: 'r' as RunId, invocation: { docType: 'CollectionObject', listCSIDs: [], params: [] } };
    expect(documentDocType(run, [{ docType: 'collectionobject', fields: {} }, { fields: {} }])).to.equal('CollectionObject');
    expect(() => documentDocType(run, [{ docType: 'Person', fields: {} }])).to.throw(DomainError, "must be of the run's docType");
    expect(() => documentDocType({ id: 'r' as RunId, invocation: { listCSIDs: [], params: [] } }, [])).to.throw(DomainError, 'names no docType');
  });
});
