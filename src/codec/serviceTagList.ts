/**
 * The answer of CollectionSpace's `GET servicegroups/{type}/tags` (`ServiceGroupResource.getTagsForType`): the
 * distinct tags of the services of one type, as an `abstract-common-list` of `name` items on a single page
 * (`pageNum` 0, `pageSize` the number of tags). cspace-ui reads `list-item[].name` at login and asks
 * `servicegroups/procedure?servicetag={name}` for each; with no tag it asks nothing more.
 */
import { encodeCommonList, type ListSpec } from './commonList.js';
import { RECORD_SERVICES } from './recordServiceDocument.js';
import type { DocTree } from './tree.js';

export const TAG_LIST_SPEC: ListSpec<string> = { fieldsReturned: ['name'], toItem: (name) => ({ name }) };

/** The tags of the services of `serviceType`, or `undefined` when no service here has that type. */
export function serviceTagsOf(serviceType: string): string[] | undefined {
  const services = RECORD_SERVICES.filter((spec) => spec.serviceType === serviceType);
  return services.length === 0 ? undefined : [...new Set(services.flatMap((spec) => spec.tags))];
}

export function encodeServiceTagList(tags: readonly string[]): DocTree {
  return encodeCommonList({ pageNum: 0, pageSize: tags.length, totalItems: tags.length, items: [...tags] }, TAG_LIST_SPEC);
}
