/**
 * The `RecordsService` a plugin receives: the record service bound to the invoking tenant and user, so a plugin
 * can reach nothing outside its tenant.
 */
import type { RecordsService } from '../plugins/contract.js';
import type { Csid, TenantId } from '../domain/types.js';
import type { RecordService } from './recordService.js';

export function recordsForPlugin(records: RecordService, tenant: TenantId, user: string): RecordsService {
  return {
    create: (docType, fields) => records.create(tenant, docType, fields, user),
    get: (csid, docType) => records.find(tenant, csid, docType),
    update: (csid, fields) => records.update(tenant, csid, fields, { actor: user }),
    delete: (csid) => records.remove(tenant, csid),
    find: async (docType, fieldEquals, options) => {
      const found = [];
      for await (const record of records.scan(tenant, { docTypes: [docType], ...(fieldEquals && { fieldEquals }) })) {
        if (options?.limit !== undefined && found.length >= options.limit) break;
        found.push(record);
      }
      return found;
    },
    relate: async (subject, relationshipType, object) => {
      const relation = await records.relate(
        tenant,
        {
          subjectCsid: subject.csid as Csid,
          subjectDocumentType: subject.docType,
          relationshipType,
          objectCsid: object.csid as Csid,
          objectDocumentType: object.docType,
        },
        user,
      );
      return relation.csid;
    },
    findRelated: (csid, options) => records.findRelated(tenant, csid, options),
    groupMembers: (groupCsid) => records.groupMembers(tenant, groupCsid),
  };
}
