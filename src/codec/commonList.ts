/**
 * `ns2:abstract-common-list`: CollectionSpace's paged list. Items are ordered field maps; each resource gives
 * a `ListSpec` naming its `fieldsReturned` and mapping one stored thing to one item. Null and blank item
 * values are omitted, as CollectionSpace does.
 */
import type { Page } from '../domain/paging.js';
import type { StoredDefinition } from '../domain/types.js';
import { COMMON_LIST_NAMESPACE, PART_PREFIX, batchRefName, batchUri } from './namespaces.js';
import { withoutBlanks, type DocScalar, type DocTree } from './tree.js';

/** One list item's fields, in output order. `undefined`, `null` and blank values are left out. */
export type ListItem = Readonly<Record<string, DocScalar | undefined>>;

export interface ListSpec<T> {
  /** The field names items may carry, written pipe-separated as `fieldsReturned`. */
  fieldsReturned: readonly string[];
  toItem(item: T): ListItem;
}

export const COMMON_LIST_ELEMENT = `${PART_PREFIX}:abstract-common-list`;

export function encodeCommonList<T>(page: Page<T>, spec: ListSpec<T>): DocTree {
  return {
    [COMMON_LIST_ELEMENT]: {
      [`@xmlns:${PART_PREFIX}`]: COMMON_LIST_NAMESPACE,
      pageNum: page.pageNum,
      pageSize: page.pageSize,
      itemsInPage: page.items.length,
      totalItems: page.totalItems,
      fieldsReturned: spec.fieldsReturned.join('|'),
      'list-item': page.items.map((item) => withoutBlanks(Object.entries(spec.toItem(item)))),
    },
  };
}

/** The batch list: the five standard fields plus the tenant-binding list fields `name` and `createsNewFocus`. */
export const BATCH_LIST_SPEC: ListSpec<StoredDefinition> = {
  fieldsReturned: ['csid', 'uri', 'refName', 'updatedAt', 'workflowState', 'name', 'createsNewFocus'],
  toItem: ({ csid, core, definition }) => ({
    csid,
    uri: batchUri(csid),
    refName: batchRefName(core.tenantId, csid),
    updatedAt: core.updatedAt.toISOString(),
    workflowState: core.workflowState,
    name: definition.name,
    createsNewFocus: definition.createsNewFocus,
  }),
};

export function encodeBatchList(page: Page<StoredDefinition>): DocTree {
  return encodeCommonList(page, BATCH_LIST_SPEC);
}
