/**
 * CollectionSpace's UpdateObjectLocationBatchJob: recomputes `computedCurrentLocation` of CollectionObject records
 * from their related Movement records (see `latestMovement.ts` for which movement wins).
 *
 * Per object: soft-deleted objects, objects with a blank `objectNumber` and records of other types (a Group may
 * relate to anything) are skipped; an object without a qualifying movement keeps its value (never nulled out);
 * the object is written only when the value changes, so `numAffected` counts the objects actually updated.
 * Relations of any type and either direction count, as in CollectionSpace.
 *
 * Not supported: CollectionSpace's `updateCoreValues` flag (the records service always stamps updates).
 */
import type { ItemInvocable, RecordsService } from '../../src/plugins/contract.js';
import { selectLatestMovement } from './latestMovement.js';

type StoredRecord = Awaited<ReturnType<RecordsService['create']>>;
type FieldValue = StoredRecord['fields'][string];

const NAME = 'update-object-location';
const COLLECTION_OBJECT = 'CollectionObject';
const MOVEMENT = 'Movement';

function isBlank(value: FieldValue | undefined): boolean {
  if (typeof value === 'string') return value.trim() === '';
  return typeof value !== 'number' && typeof value !== 'boolean';
}

/** The object's current computed location as a comparable string ('' when absent or not a string). */
function currentLocationOf(record: StoredRecord): string {
  const value = record.fields.computedCurrentLocation;
  return typeof value === 'string' ? value.trim() : '';
}

const updateObjectLocation: ItemInvocable = {
  className: NAME,
  aliases: ['org.collectionspace.services.batch.nuxeo.UpdateObjectLocationBatchJob'],
  contract: '^1.0.0',
  version: '1.0.0',
  description:
    "Sets each CollectionObject's computedCurrentLocation to the current location of its latest related Movement.",
  modes: ['single', 'list', 'group', 'nocontext'],
  docTypes: [COLLECTION_OBJECT],
  defaultDefinition: {
    name: 'Update Current Location',
    forDocTypes: [COLLECTION_OBJECT],
    modes: ['single', 'nocontext'],
  },

  async processItem(record, _input, ctx) {
    if (record.docType !== COLLECTION_OBJECT) {
      return { affected: false, note: `skipped ${record.docType} ${record.csid}: not a ${COLLECTION_OBJECT}` };
    }
    if (record.core.workflowState === 'deleted') {
      return { affected: false, note: `skipped ${record.csid}: soft-deleted` };
    }
    if (isBlank(record.fields.objectNumber)) {
      return { affected: false, note: `skipped ${record.csid}: blank objectNumber` };
    }
    ctx.signal.throwIfAborted();

    const latest = selectLatestMovement(await ctx.records.findRelated(record.csid, { docType: MOVEMENT }));
    if (latest === undefined) {
      return { affected: false, note: `${record.csid}: no related ${MOVEMENT} with a location date and a current location` };
    }
    if (currentLocationOf(record) === latest.location) {
      return { affected: false, note: `${record.csid}: current location unchanged` };
    }
    ctx.signal.throwIfAborted();
    await ctx.records.update(record.csid, { ...record.fields, computedCurrentLocation: latest.location });
    ctx.log.debug('updated computedCurrentLocation', {
      csid: record.csid,
      movement: latest.movement.csid,
      location: latest.location,
    });
    return { affected: true, note: `${record.csid}: current location set from ${MOVEMENT} ${latest.movement.csid}` };
  },
};

export default updateObjectLocation;
