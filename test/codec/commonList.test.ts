import { expect } from 'chai';
import { buildJson, buildXml, encodeBatchList, encodeCommonList, parseXml, type ListSpec } from '../../src/codec/index.js';
import type { BatchDefinition, Csid, StoredDefinition } from '../../src/domain/types.js';
import { testCore } from './support/goldens.js';

const LIST_NS = 'http://collectionspace.org/services/jaxb';

function definition(overrides: Partial<BatchDefinition> = {}): BatchDefinition {
  return {
    name: 'Update Current Location',
    forDocTypes: ['CollectionObject'],
    forRoles: [],
    resourceActionGroupList: [],
    supportsNoContext: true,
    supportsSingleDoc: true,
    supportsDocList: false,
    supportsGroup: false,
    className: 'org.example.UpdateObjectLocation',
    ...overrides,
  };
}

function stored(csid: string, overrides: Partial<BatchDefinition> = {}): StoredDefinition {
  return { csid: csid as Csid, definition: definition(overrides), core: testCore({ updatedAt: new Date('2024-01-09T18:22:03.123Z') }) };
}

describe('encodeBatchList', () => {
  it('writes the paging header, fieldsReturned and list items as CollectionSpace does', () => {
    const tree = encodeBatchList({
      pageNum: 0,
      pageSize: 40,
      totalItems: 3,
      items: [stored('5a1c', { createsNewFocus: false }), stored('77b2', { name: 'Merge' })],
    });
    expect(JSON.parse(buildJson(tree))).to.deep.equal({
      'ns2:abstract-common-list': {
        '@xmlns:ns2': LIST_NS,
        pageNum: '0',
        pageSize: '40',
        itemsInPage: '2',
        totalItems: '3',
        fieldsReturned: 'csid|uri|refName|updatedAt|workflowState|name|createsNewFocus',
        'list-item': [
          {
            csid: '5a1c',
            uri: '/batch/5a1c',
            refName: 'urn:cspace:default:batch:id(5a1c)',
            updatedAt: '2024-01-09T18:22:03.123Z',
            workflowState: 'project',
            name: 'Update Current Location',
            createsNewFocus: 'false',
          },
          {
            csid: '77b2',
            uri: '/batch/77b2',
            refName: 'urn:cspace:default:batch:id(77b2)',
            updatedAt: '2024-01-09T18:22:03.123Z',
            workflowState: 'project',
            name: 'Merge',
          },
        ],
      },
    });
  });

  it('writes a single item as an object and no list-item for an empty page', () => {
    const one = JSON.parse(buildJson(encodeBatchList({ pageNum: 0, pageSize: 40, totalItems: 1, items: [stored('5a1c')] })));
    expect(one['ns2:abstract-common-list']['list-item']).to.have.property('csid', '5a1c');
    const empty = buildXml(encodeBatchList({ pageNum: 2, pageSize: 10, totalItems: 0, items: [] }));
    expect(empty).to.not.include('list-item');
    expect(parseXml(empty)).to.have.nested.property('ns2:abstract-common-list.itemsInPage', '0');
  });
});

describe('encodeCommonList', () => {
  it('omits null and blank item values and keeps the spec order', () => {
    const spec: ListSpec<{ id: string; note: string | null; blank: string }> = {
      fieldsReturned: ['id', 'note', 'blank'],
      toItem: ({ id, note, blank }) => ({ id, note, blank }),
    };
    const tree = encodeCommonList({ pageNum: 0, pageSize: 1, totalItems: 1, items: [{ id: 'x', note: null, blank: ' ' }] }, spec);
    const xml = buildXml(tree);
    expect(xml).to.include('<fieldsReturned>id|note|blank</fieldsReturned><list-item><id>x</id></list-item>');
  });
});
