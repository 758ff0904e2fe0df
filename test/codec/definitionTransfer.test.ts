/**
 * `<batch-definitions>` carries every field of a definition through an export and back through an import, in both
 * formats, and decodes each `document` on its own.
 */
import { expect } from 'chai';
import { decodeDefinitionImport, encodeDefinitionExport } from '../../src/codec/index.js';
import type { StoredDefinition } from '../../src/domain/types.js';
import { CODECS, expectDomainError } from './support/codecs.js';

const FULL: StoredDefinition['definition'] = {
  name: 'Create and Link Loan Out',
  notes: 'Makes a loan & links it',
  forDocTypes: ['CollectionObject', 'Group'],
  forRoles: ['TENANT_ADMINISTRATOR'],
  resourceActionGroupList: [{ resourceName: 'loansout', actionGroup: 'CRUL' }],
  supportsSingleDoc: true,
  supportsDocList: false,
  createsNewFocus: true,
  className: 'create-and-link-loan-out',
  itemPolicy: { timeoutMs: 20000, retries: 3, retryDelayMs: 500 },
};
const MINIMAL: StoredDefinition['definition'] = { name: 'No-op', forDocTypes: [], forRoles: [], resourceActionGroupList: [], className: 'noop' };

function stored(csid: string, definition: StoredDefinition['definition']): StoredDefinition {
  return { csid, definition } as StoredDefinition;
}

for (const codec of CODECS) {
  describe(`definition transfer documents (${codec.name})`, () => {
    it('an exported page imports back as the same definitions, with their csids as sources', () => {
      const page = { pageNum: 0, pageSize: 2, totalItems: 2, items: [stored('a-1', FULL), stored('b-2', MINIMAL)] };
      const entries = decodeDefinitionImport(codec.parse(codec.build(encodeDefinitionExport(page))));
      expect(entries).to.deep.equal([
        { position: 1, sourceCsid: 'a-1', decoded: { definition: FULL } },
        { position: 2, sourceCsid: 'b-2', decoded: { definition: MINIMAL } },
      ]);
    });

    it('an invalid document carries its error and leaves the others decoded', () => {
      const page = { pageNum: 0, pageSize: 1, totalItems: 1, items: [stored('a-1', MINIMAL)] };
      const tree = codec.parse(codec.build(encodeDefinitionExport(page)));
      const root = tree['batch-definitions'] as any;
      root.document = [{ '@name': 'batch', 'ns2:batch_common': { name: 'No class' } }, root.document];
      const [invalid, valid] = decodeDefinitionImport(tree);
      expect(invalid).to.have.nested.property('decoded.error.code', 'VALIDATION_FAILED');
      expect(valid).to.deep.equal({ position: 2, sourceCsid: 'a-1', decoded: { definition: MINIMAL } });
    });
  });
}

describe('definition transfer documents: whole-document errors', () => {
  it('refuses another root and a document list that is empty', () => {
    expectDomainError(() => decodeDefinitionImport({ document: {} }), 'VALIDATION_FAILED');
    expectDomainError(() => decodeDefinitionImport({ 'batch-definitions': { totalItems: '0' } }), 'VALIDATION_FAILED');
  });
});
