import { expect } from 'chai';
import { decodeBatchDocument, encodeBatchDocument, parseJsonTree, parseXml, type DocTree } from '../../src/codec/index.js';
import type { Csid } from '../../src/domain/types.js';
import { expectDomainError } from './support/codecs.js';
import { testCore } from './support/goldens.js';

const NS = 'http://collectionspace.org/services/batch';

function batchXml(fields: string, extraParts = ''): DocTree {
  return parseXml(`<document name="batch"><ns2:batch_common xmlns:ns2="${NS}">${fields}</ns2:batch_common>${extraParts}</document>`);
}

function batchJson(fields: Record<string, unknown>): DocTree {
  return parseJsonTree({ document: { '@name': 'batch', 'ns2:batch_common': { '@xmlns:ns2': NS, ...fields } } });
}

const REQUIRED = '<name>Job</name><className>org.example.Job</className>';

describe('decodeBatchDocument', () => {
  it('leaves mode flags never sent (or sent empty) and createsNewFocus out, and reads empty wrappers as empty lists', () => {
    const definition = decodeBatchDocument(batchXml(`${REQUIRED}<forDocTypes/><forRoles></forRoles><supportsGroup/>`));
    expect(definition).to.deep.equal({
      name: 'Job',
      className: 'org.example.Job',
      forDocTypes: [],
      forRoles: [],
      resourceActionGroupList: [],
    });
  });

  it('ignores attributes on the part, such as xsi:schemaLocation in CollectionSpace\'s own payloads', () => {
    const tree = parseXml(
      '<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/batch" ' +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://collectionspace.org/services/batch batch_common.xsd">' +
        `${REQUIRED}</ns2:batch_common></document>`,
    );
    expect(decodeBatchDocument(tree)).to.include({ name: 'Job', className: 'org.example.Job' });
  });

  it('finds the part whatever its prefix, or without one', () => {
    for (const key of ['batch_common', 'ns3:batch_common']) {
      const tree = parseJsonTree({ document: { [key]: { name: 'Job', className: 'org.example.Job' } } });
      expect(decodeBatchDocument(tree).name).to.equal('Job');
    }
  });

  it('takes a single resourceActionGroup and single list entries as one-element lists', () => {
    const definition = decodeBatchDocument(
      batchXml(
        `${REQUIRED}<forRoles><roleDisplayName>TENANT_READER</roleDisplayName></forRoles>` +
          '<resourceActionGroupList><resourceActionGroup><resourceName>media</resourceName><actionGroup>RL</actionGroup></resourceActionGroup></resourceActionGroupList>',
      ),
    );
    expect(definition.forRoles).to.deep.equal(['TENANT_READER']);
    expect(definition.resourceActionGroupList).to.deep.equal([{ resourceName: 'media', actionGroup: 'RL' }]);
  });

  it('accepts JSON booleans, "true"/"false" strings and trims name and className', () => {
    const definition = decodeBatchDocument(
      batchJson({ name: '  Job ', className: ' org.example.Job\n', supportsGroup: 'true', supportsDocList: false, createsNewFocus: 'false' }),
    );
    expect(definition).to.include({ name: 'Job', className: 'org.example.Job', supportsGroup: true, supportsDocList: false, createsNewFocus: false });
  });

  it('ignores the collectionspace_core part that a read returns', () => {
    const stored = { csid: 'c1' as Csid, definition: decodeBatchDocument(batchXml(REQUIRED)), core: testCore() };
    expect(decodeBatchDocument(encodeBatchDocument(stored))).to.deep.equal(stored.definition);
  });

  it('reads the per-item limits of the optional batch_invocables part, numbers given as text', () => {
    const extension = (fields: string) =>
      `<ns2:batch_invocables xmlns:ns2="http://collectionspace.org/services/batch/local/invocables">${fields}</ns2:batch_invocables>`;
    const definition = decodeBatchDocument(batchXml(REQUIRED, extension('<itemTimeoutMs>500</itemTimeoutMs><itemRetries>2</itemRetries><itemRetryDelayMs>0</itemRetryDelayMs>')));
    expect(definition.itemPolicy).to.deep.equal({ timeoutMs: 500, retries: 2, retryDelayMs: 0 });
    expect(decodeBatchDocument(batchXml(REQUIRED, extension(''))).itemPolicy, 'an empty part sets nothing').to.equal(undefined);

    const unknown = expectDomainError(() => decodeBatchDocument(batchXml(REQUIRED, extension('<itemColour>red</itemColour>'))), 'VALIDATION_FAILED');
    expect(unknown.details).to.deep.equal([{ path: 'batch_invocables/itemColour', message: 'is not a known field' }]);
    const negative = expectDomainError(() => decodeBatchDocument(batchXml(REQUIRED, extension('<itemRetries>-1</itemRetries>'))), 'VALIDATION_FAILED');
    expect(negative.details[0]?.path).to.equal('batch_invocables/itemRetries');
    const foreign = '<ns3:batch_invocables xmlns:ns3="urn:elsewhere"><itemRetries>1</itemRetries></ns3:batch_invocables>';
    expectDomainError(() => decodeBatchDocument(batchXml(REQUIRED, foreign)), 'VALIDATION_FAILED');
  });

  describe('refusals', () => {
    it('names an unknown field by its path', () => {
      const error = expectDomainError(() => decodeBatchDocument(batchXml(`${REQUIRED}<colour>red</colour>`)), 'VALIDATION_FAILED');
      expect(error.details).to.deep.equal([{ path: 'batch_common/colour', message: 'is not a known field' }]);
    });

    it('says where a flag is not a boolean', () => {
      const error = expectDomainError(
        () => decodeBatchDocument(batchXml(`${REQUIRED}<supportsGroup>maybe</supportsGroup>`)),
        'VALIDATION_FAILED',
      );
      expect(error.details).to.deep.equal([{ path: 'batch_common/supportsGroup', message: 'must be boolean' }]);
      expect(error.message).to.equal('Invalid batch_common: batch_common/supportsGroup must be boolean');
    });

    it('requires name and className, blank counting as missing', () => {
      const missing = expectDomainError(() => decodeBatchDocument(batchXml('<notes>n</notes>')), 'VALIDATION_FAILED');
      expect(missing.details).to.deep.equal([
        { path: 'batch_common/name', message: 'is required' },
        { path: 'batch_common/className', message: 'is required' },
      ]);
      const blank = expectDomainError(() => decodeBatchDocument(batchJson({ name: '   ', className: 'x' })), 'VALIDATION_FAILED');
      expect(blank.details).to.deep.equal([{ path: 'batch_common/name', message: 'is required' }]);
    });

    it('names an unknown part', () => {
      const error = expectDomainError(
        () => decodeBatchDocument(batchXml(REQUIRED, '<ns3:loansout_common xmlns:ns3="urn:x"/>')),
        'VALIDATION_FAILED',
      );
      expect(error.details).to.deep.equal([
        { path: 'document/ns3:loansout_common', message: 'is not a known part (expected batch_common or batch_invocables)' },
      ]);
    });

    it('reports every problem of a part at once, nested paths included', () => {
      const error = expectDomainError(
        () =>
          decodeBatchDocument(
            batchXml(
              '<name>Job</name><createsNewFocus>yes</createsNewFocus><forDocTypes><docType>X</docType></forDocTypes>' +
                '<resourceActionGroupList><resourceActionGroup><resourceName>media</resourceName><actionGroup>RWX</actionGroup></resourceActionGroup></resourceActionGroupList>',
            ),
          ),
        'VALIDATION_FAILED',
      );
      expect(error.details).to.deep.include.members([
        { path: 'batch_common/className', message: 'is required' },
        { path: 'batch_common/createsNewFocus', message: 'must be boolean' },
        { path: 'batch_common/forDocTypes/docType', message: 'is not a known field' },
        { path: 'batch_common/resourceActionGroupList/resourceActionGroup/0/actionGroup', message: 'must match pattern "^[CRUDLI]+$"' },
      ]);
    });

    it('refuses a missing or repeated part, another root, another document name and a foreign namespace', () => {
      expectDomainError(() => decodeBatchDocument(parseXml('<document name="batch"/>')), 'VALIDATION_FAILED');
      expectDomainError(
        () => decodeBatchDocument(parseJsonTree({ document: { batch_common: [{ name: 'a' }, { name: 'b' }] } })),
        'VALIDATION_FAILED',
      );
      const root = expectDomainError(() => decodeBatchDocument(parseXml('<batch_common><name>x</name></batch_common>')), 'VALIDATION_FAILED');
      expect(root.details[0]?.path).to.equal('(root)');
      const name = expectDomainError(() => decodeBatchDocument(parseXml('<document name="reports"/>')), 'VALIDATION_FAILED');
      expect(name.details).to.deep.equal([{ path: 'document/@name', message: "must be 'batch'" }]);
      const foreign = expectDomainError(
        () =>
          decodeBatchDocument(
            parseXml(`<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/report">${REQUIRED}</ns2:batch_common></document>`),
          ),
        'VALIDATION_FAILED',
      );
      expect(foreign.details[0]?.path).to.equal('document/ns2:batch_common');
    });

    it('refuses text where a list or part is expected', () => {
      expectDomainError(() => decodeBatchDocument(batchXml(`${REQUIRED}<forDocTypes>CollectionObject</forDocTypes>`)), 'VALIDATION_FAILED');
      expectDomainError(() => decodeBatchDocument(parseXml('<document name="batch"><batch_common>text</batch_common></document>')), 'VALIDATION_FAILED');
    });
  });
});

describe('encodeBatchDocument', () => {
  const stored = {
    csid: '5a1c2e7b' as Csid,
    definition: {
      name: 'Job',
      forDocTypes: ['CollectionObject'],
      forRoles: [],
      resourceActionGroupList: [{ resourceName: 'media', actionGroup: 'RL' }],
      supportsNoContext: false,
      supportsSingleDoc: true,
      supportsDocList: false,
      supportsGroup: false,
      className: 'org.example.Job',
    },
    core: testCore(),
  };

  it('writes batch_common in XSD order with wrapped lists and a collectionspace_core part', () => {
    const tree = encodeBatchDocument(stored);
    const document = tree['document'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(document)).to.deep.equal(['@name', 'ns2:batch_common', 'ns2:collectionspace_core']);
    const common = document['ns2:batch_common'] ?? {};
    expect(Object.keys(common).filter((key) => common[key] !== undefined)).to.deep.equal([
      '@xmlns:ns2',
      'name',
      'forDocTypes',
      'resourceActionGroupList',
      'supportsNoContext',
      'supportsSingleDoc',
      'supportsDocList',
      'supportsGroup',
      'className',
    ]);
    expect(document['ns2:collectionspace_core']).to.deep.equal({
      '@xmlns:ns2': 'http://collectionspace.org/collectionspace_core/',
      uri: '/batch/5a1c2e7b',
      refName: 'urn:cspace:default:batch:id(5a1c2e7b)',
      tenantId: 'default',
      createdAt: '2024-01-09T18:22:03.123Z',
      createdBy: 'admin@core.collectionspace.org',
      updatedAt: '2024-02-01T07:00:00.000Z',
      updatedBy: 'reader@core.collectionspace.org',
      workflowState: 'project',
    });
  });

  it('writes the per-item limits as a batch_invocables part after batch_common, which decodes back to them', () => {
    const tree = encodeBatchDocument({ ...stored, definition: { ...stored.definition, itemPolicy: { timeoutMs: 250, retries: 3 } } });
    const document = tree['document'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(document)).to.deep.equal(['@name', 'ns2:batch_common', 'ns2:batch_invocables', 'ns2:collectionspace_core']);
    expect(document['ns2:batch_invocables']).to.deep.include({
      '@xmlns:ns2': 'http://collectionspace.org/services/batch/local/invocables',
      itemTimeoutMs: 250,
      itemRetries: 3,
    });
    expect(decodeBatchDocument(tree).itemPolicy).to.deep.equal({ timeoutMs: 250, retries: 3 });
  });
});
