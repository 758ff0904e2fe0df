import { expect } from 'chai';
import { buildJson, decodeRelationDocument, encodeRelationDocument, parseXml } from '../../src/codec/index.js';
import type { Csid } from '../../src/domain/types.js';
import { expectDomainError } from './support/codecs.js';
import { testCore } from './support/goldens.js';

const NS = 'http://collectionspace.org/services/relation';

describe('decodeRelationDocument', () => {
  it('requires every field but predicateDisplayName', () => {
    const error = expectDomainError(
      () => decodeRelationDocument(parseXml(`<ns2:relations_common xmlns:ns2="${NS}"><subjectCsid>s</subjectCsid><predicateDisplayName>p</predicateDisplayName></ns2:relations_common>`)),
      'VALIDATION_FAILED',
    );
    expect(error.details).to.deep.equal([
      { path: 'relations_common/subjectDocumentType', message: 'is required' },
      { path: 'relations_common/relationshipType', message: 'is required' },
      { path: 'relations_common/objectCsid', message: 'is required' },
      { path: 'relations_common/objectDocumentType', message: 'is required' },
    ]);
  });

  it('refuses unknown fields and unknown parts', () => {
    expectDomainError(
      () => decodeRelationDocument(parseXml('<relations_common><subject>x</subject></relations_common>')),
      'VALIDATION_FAILED',
    );
    const part = expectDomainError(
      () => decodeRelationDocument(parseXml('<document name="relations"><other_common/></document>')),
      'VALIDATION_FAILED',
    );
    expect(part.details[0]?.path).to.equal('document/other_common');
  });
});

describe('encodeRelationDocument', () => {
  it('writes csid, derives predicateDisplayName and adds a core part', () => {
    const relation = {
      csid: 'rel1' as Csid,
      subjectCsid: 's1' as Csid,
      subjectDocumentType: 'Loanout',
      relationshipType: 'affects',
      objectCsid: 'o1' as Csid,
      objectDocumentType: 'CollectionObject',
      core: testCore(),
    };
    const json = JSON.parse(buildJson(encodeRelationDocument(relation)));
    expect(json.document['ns2:relations_common']).to.deep.equal({
      '@xmlns:ns2': NS,
      csid: 'rel1',
      subjectCsid: 's1',
      subjectDocumentType: 'Loanout',
      relationshipType: 'affects',
      predicateDisplayName: 'affects',
      objectCsid: 'o1',
      objectDocumentType: 'CollectionObject',
    });
    expect(json.document['ns2:collectionspace_core'].uri).to.equal('/relations/rel1');
  });
});
