/** Parameters many routes share, as components. */
import { PAGING_DEFAULTS } from '../../domain/paging.js';
import { TENANT_HEADER } from '../authenticate.js';
import { IDEMPOTENCY_KEY_HEADER } from '../idempotency.js';
import { ref, type OpenApiObject } from './operation.js';

export const PARAMETERS: Record<string, OpenApiObject> = {
  TenantHeader: {
    name: TENANT_HEADER,
    in: 'header',
    description: 'The tenant to act in, for users of several tenants; by default their default tenant.',
    schema: { type: 'string' },
  },
  PageSize: {
    name: 'pgSz',
    in: 'query',
    description: `Items per page (CollectionSpace paging), default ${PAGING_DEFAULTS.pageSize}; 0 means the largest page.`,
    schema: { type: 'integer', minimum: 0, maximum: PAGING_DEFAULTS.maxPageSize },
  },
  PageNum: { name: 'pgNum', in: 'query', description: 'The page, from 0.', schema: { type: 'integer', minimum: 0 } },
  IfMatch: { name: 'If-Match', in: 'header', description: 'The `ETag` read; the write is refused (412) if it changed meanwhile.', schema: { type: 'string' } },
  IdempotencyKey: {
    name: IDEMPOTENCY_KEY_HEADER,
    in: 'header',
    description:
      'A quoted string (RFC 9651 sf-string) of visible ASCII: a repeat of this request gets the first answer instead of acting again (`clientRequestId` in the body does the same).',
    schema: { type: 'string' },
    example: '"8e03978e-40d5-43e8-bc93-6894a57f9324"',
  },
};

/** `pgSz` and `pgNum`. */
export const PAGING = [ref('parameters', 'PageSize'), ref('parameters', 'PageNum')];
