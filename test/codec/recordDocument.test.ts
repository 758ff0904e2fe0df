import { expect } from 'chai';
import { buildJson, decodeRecordDocument, encodeRecordDocument, parseJsonTree, parseXml } from '../../src/codec/index.js';
import type { Csid } from '../../src/domain/types.js';
import { expectDomainError } from './support/codecs.js';
import { testCore } from './support/goldens.js';

describe('decodeRecordDocument', () => {
  it('ignores collectionspace_core and namespace declarations, and returns no docType without a name', () => {
    const tree = parseXml(
      '<document xmlns:ns9="urn:x"><a>1</a><ns2:collectionspace_core xmlns:ns2="urn:core"><uri>/x</uri></ns2:collectionspace_core></document>',
    );
    expect(decodeRecordDocument(tree)).to.deep.equal({ fields: { a: '1' } });
  });

  it('keeps JSON numbers, booleans and null as sent', () => {
    const tree = parseJsonTree({ document: { '@name': 'Loanout', count: 3, returned: false, note: null } });
    expect(decodeRecordDocument(tree)).to.deep.equal({ docType: 'Loanout', fields: { count: 3, returned: false, note: null } });
  });

  it('refuses field names a store or XML could misread, attributes and mixed text, with paths', () => {
    const tree = parseJsonTree({
      document: {
        '@name': 'CollectionObject',
        $where: 'x',
        'a.b': 'x',
        'ns2:part': { x: '1' },
        nested: { '@lang': 'en', '.': 'text', ok: 'y', 'bad name': 'z' },
      },
    });
    const error = expectDomainError(() => decodeRecordDocument(tree), 'VALIDATION_FAILED');
    expect(error.details.map((detail) => detail.path)).to.deep.equal([
      'document/$where',
      'document/a.b',
      'document/ns2:part',
      'document/nested/@lang',
      'document/nested/.',
      'document/nested/bad name',
    ]);
  });

  it('refuses another root', () => {
    expectDomainError(() => decodeRecordDocument(parseXml('<record><a>1</a></record>')), 'VALIDATION_FAILED');
  });
});

describe('encodeRecordDocument', () => {
  it('writes the fields, then a core part whose uri names the record', () => {
    const record = { csid: 'r1' as Csid, docType: 'Loanout', fields: { loanOutNumber: 'L-1', count: 2 }, core: testCore() };
    const json = JSON.parse(buildJson(encodeRecordDocument(record)));
    expect(Object.keys(json.document)).to.deep.equal(['@name', 'loanOutNumber', 'count', 'ns2:collectionspace_core']);
    expect(json.document.count).to.equal('2');
    expect(json.document['ns2:collectionspace_core'].uri).to.equal('/records/Loanout/r1');
  });
});
