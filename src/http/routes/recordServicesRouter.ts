/**
 * CollectionSpace's record services over the same records as `/records/{docType}`: `/collectionobjects`,
 * `/movements`, `/groups` and `/loansout`, each with its multi-part document (see
 * src/codec/recordServiceDocument.ts), same permissions (`records`) and tenancy. A GET's document carries the
 * caller's `account_permission` on the service, as CollectionSpace's does.
 */
import { Router } from 'express';
import {
  decodeRecordServiceDocument,
  encodeRecordServiceDocument,
  RECORD_SERVICES,
  recordServiceListSpec,
} from '../../codec/index.js';
import { accountPermissionOn, serviceTarget } from '../../domain/accountPermission.js';
import type { RecordService } from '../../services/recordService.js';
import { recordRoutes } from './recordRoutes.js';

export function recordServicesRouter({ records, serviceRoot }: { records: RecordService; serviceRoot: string }): Router {
  const router = Router();
  for (const spec of RECORD_SERVICES) {
    const target = serviceTarget(spec.service, 'records');
    router.use(
      `/${spec.service}`,
      recordRoutes(records, {
        docTypeOf: () => spec.docType,
        decode: (tree) => decodeRecordServiceDocument(tree, spec),
        encode: (record, reader) =>
          encodeRecordServiceDocument(record, spec, reader && accountPermissionOn(reader, target)),
        listSpec: recordServiceListSpec(spec),
        location: (_docType, csid) => `${serviceRoot}/${spec.service}/${csid}`,
      }),
    );
  }
  return router;
}
