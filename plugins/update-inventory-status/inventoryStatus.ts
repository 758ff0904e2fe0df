/**
 * The inventory status list of a CollectionObject, in CollectionSpace's shape
 * (`collectionobjects_common/inventoryStatusList/inventoryStatus`): `{ inventoryStatus: [...values] }`.
 * Pure helpers, tested without any store.
 */
import type { RecordsService } from '../../src/plugins/contract.js';
import { parseRefName } from '../shared/refName.js';

type FieldValue = Awaited<ReturnType<RecordsService['create']>>['fields'][string];

/**
 * The values a stored `inventoryStatusList` field holds, in order, or `undefined` when the field has some other
 * shape (then any write puts it right). Documents read from XML hold a single value as a scalar and an empty
 * element as `''`; absent, null and blank values count as none.
 */
export function inventoryStatusValues(field: FieldValue | undefined): string[] | undefined {
  if (field === undefined || field === null || (typeof field === 'string' && field.trim() === '')) return [];
  if (typeof field !== 'object' || Array.isArray(field)) return undefined;
  if (Object.keys(field).some((key) => key !== 'inventoryStatus')) return undefined;
  const values: string[] = [];
  for (const value of [field.inventoryStatus ?? []].flat()) {
    if (value === null) continue;
    if (typeof value === 'object') return undefined;
    const text = String(value);
    if (text.trim() !== '') values.push(text);
  }
  return values;
}

/** The wanted values from the `inventoryStatus` param: blank values (an empty form row) are dropped. */
export function wantedInventoryStatus(param: readonly string[] | undefined): string[] {
  return (param ?? []).filter((value) => value.trim() !== '');
}

/** Whether the stored field already holds exactly `wanted`, in the same order. */
export function sameInventoryStatus(field: FieldValue | undefined, wanted: readonly string[]): boolean {
  const current = inventoryStatusValues(field);
  if (current === undefined) return false;
  return current.length === wanted.length && current.every((value, index) => value === wanted[index]);
}

/** The field value to store for `wanted`. */
export function inventoryStatusField(wanted: readonly string[]): { inventoryStatus: string[] } {
  return { inventoryStatus: [...wanted] };
}

/**
 * CollectionSpace's userNote for the whole invocation, naming each value by its refName's display name. Where the
 * Java job fails on a value that is no refName and writes "null" for a refName without a display name, the value
 * itself is shown.
 */
export function inventoryStatusUserNote(wanted: readonly string[]): string {
  if (wanted.length === 0) return 'Inventory status values removed.';
  const names = wanted.map((value) => parseRefName(value)?.displayName ?? value);
  return `Inventory status changed to ${names.join(', ')}.`;
}
