/**
 * Relations: `ns2:relations_common` (namespace `http://collectionspace.org/services/relation`), inside a
 * `<document name="relations">` as CollectionSpace sends it, or on its own. `predicateDisplayName` is not
 * stored; output derives it from `relationshipType`, as CollectionSpace's own jobs write both the same.
 */
import relationSchema from '../../schemas/relation.json' with { type: 'json' };
import type { Csid, Relation, StoredRelation } from '../domain/types.js';
import type { ListSpec } from './commonList.js';
import {
  CORE_PART_KEY,
  DOCUMENT_ELEMENT,
  asNode,
  checkNamespace,
  corePart,
  openDocument,
  takePart,
} from './documentEnvelope.js';
import { PART_PREFIX, RELATION_NAMESPACE, relationUri } from './namespaces.js';
import { createSchemaCheck } from './schemaValidator.js';
import { localName, pruneEmpty, rootElement, type DocNode, type DocTree } from './tree.js';

export const RELATION_DOCUMENT_NAME = 'relations';
export const RELATION_PART = 'relations_common';

interface RelationWire {
  subjectCsid: string;
  subjectDocumentType: string;
  relationshipType: string;
  predicateDisplayName?: string;
  objectCsid: string;
  objectDocumentType: string;
}

const checkRelationsCommon = createSchemaCheck<RelationWire>(relationSchema, RELATION_PART);

function relationPart(tree: DocTree): DocNode {
  const root = rootElement(tree);
  if (root !== undefined && localName(root.key) === RELATION_PART) {
    const node = asNode(root.value, RELATION_PART, RELATION_PART);
    checkNamespace(root.key, RELATION_NAMESPACE, RELATION_PART, node);
    return node;
  }
  // Anything else must be the envelope; openDocument names what it found instead.
  return takePart(openDocument(tree, RELATION_DOCUMENT_NAME), RELATION_PART, RELATION_NAMESPACE);
}

/**
 * Decodes a relation (create body).
 * @throws ValidationError for a missing required field, an unknown field or an unknown part.
 */
export function decodeRelationDocument(tree: DocTree): Relation {
  const wire = checkRelationsCommon(pruneEmpty(relationPart(tree)) ?? {});
  return {
    subjectCsid: wire.subjectCsid as Csid,
    subjectDocumentType: wire.subjectDocumentType,
    relationshipType: wire.relationshipType,
    objectCsid: wire.objectCsid as Csid,
    objectDocumentType: wire.objectDocumentType,
  };
}

/** The relation's own fields, in XSD order, as both the document and list items show them. */
function relationFields(relation: Relation) {
  return {
    subjectCsid: relation.subjectCsid,
    subjectDocumentType: relation.subjectDocumentType,
    relationshipType: relation.relationshipType,
    predicateDisplayName: relation.relationshipType,
    objectCsid: relation.objectCsid,
    objectDocumentType: relation.objectDocumentType,
  };
}

export function encodeRelationsCommon(relation: Relation & { csid?: string }): DocNode {
  return { [`@xmlns:${PART_PREFIX}`]: RELATION_NAMESPACE, csid: relation.csid, ...relationFields(relation) };
}

export function encodeRelationDocument(relation: StoredRelation): DocTree {
  return {
    [DOCUMENT_ELEMENT]: {
      '@name': RELATION_DOCUMENT_NAME,
      [`${PART_PREFIX}:${RELATION_PART}`]: encodeRelationsCommon(relation),
      [CORE_PART_KEY]: corePart(relationUri(relation.csid), relation.core),
    },
  };
}

export const RELATION_LIST_SPEC: ListSpec<StoredRelation> = {
  fieldsReturned: [
    'csid',
    'uri',
    'subjectCsid',
    'subjectDocumentType',
    'relationshipType',
    'predicateDisplayName',
    'objectCsid',
    'objectDocumentType',
  ],
  toItem: (relation) => ({ csid: relation.csid, uri: relationUri(relation.csid), ...relationFields(relation) }),
};
