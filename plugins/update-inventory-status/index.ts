/**
 * CollectionSpace's UpdateInventoryStatusBatchJob: sets the inventory status list of each listed CollectionObject
 * to exactly the values of the repeatable `inventoryStatus` param (refNames, in the order given); no value
 * clears the list. As in CollectionSpace, every listed object counts in `numAffected` (soft-deleted ones too,
 * which the Java job updates alike), and the userNote names the values' display names; records already holding
 * the values are not written again, so their update time stays.
 *
 * Unknown params are refused (400) rather than ignored: a misspelt key would otherwise clear every status.
 */
import type { ItemInvocable } from '../../src/plugins/contract.js';
import {
  inventoryStatusField,
  inventoryStatusUserNote,
  sameInventoryStatus,
  wantedInventoryStatus,
} from './inventoryStatus.js';

const NAME = 'update-inventory-status';
const COLLECTION_OBJECT = 'CollectionObject';

export interface UpdateInventoryStatusParams {
  /** The wanted values (refNames of the inventory status vocabulary); none clears the list. */
  inventoryStatus: string[];
}

const updateInventoryStatus: ItemInvocable<UpdateInventoryStatusParams> = {
  className: NAME,
  aliases: ['org.collectionspace.services.batch.nuxeo.UpdateInventoryStatusBatchJob'],
  contract: '^1.1.0',
  version: '1.0.0',
  description: 'Sets the inventory status of the listed CollectionObject records to the given values.',
  modes: ['list'],
  docTypes: [COLLECTION_OBJECT],
  paramsSchema: {
    type: 'object',
    properties: {
      inventoryStatus: { type: 'array', items: { type: 'string' }, default: [] },
    },
    additionalProperties: false,
  },
  defaultDefinition: {
    name: 'Update Inventory Status',
    forDocTypes: [COLLECTION_OBJECT],
    modes: ['list'],
  },

  async processItem(record, input, ctx) {
    if (record.docType !== COLLECTION_OBJECT) {
      return { affected: false, note: `skipped ${record.docType} ${record.csid}: not a ${COLLECTION_OBJECT}` };
    }
    const wanted = wantedInventoryStatus(input.params.inventoryStatus);
    if (sameInventoryStatus(record.fields.inventoryStatusList, wanted)) {
      return { affected: true, note: `${record.csid}: inventory status already set to ${wanted.length} value(s)` };
    }
    ctx.signal.throwIfAborted();
    await ctx.records.update(record.csid, { ...record.fields, inventoryStatusList: inventoryStatusField(wanted) });
    return { affected: true, note: `${record.csid}: inventory status set to ${wanted.length} value(s)` };
  },

  summarize(_outcome, input) {
    return { userNote: inventoryStatusUserNote(wantedInventoryStatus(input.params.inventoryStatus)) };
  },
};

export default updateInventoryStatus;
