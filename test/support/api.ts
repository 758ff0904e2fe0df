/**
 * Small client helpers over the real HTTP API, for tests that need records, relations and definitions.
 */
import { expect } from 'chai';
import { parseXml } from '../../src/codec/index.js';
import type { TenantId } from '../../src/domain/types.js';
import type { TestService } from './testService.js';
import { waitFor } from './waitFor.js';

export const JSON_TYPE = 'application/json';
export const XML_TYPE = 'application/xml';
const DEFAULT_TENANT = 'default' as TenantId;

function csidOf(location: string | null): string {
  const csid = location?.split('/').pop() ?? '';
  expect(csid).to.match(/^[0-9a-f-]{36}$/);
  return csid;
}

export async function createRecord(service: TestService, docType: string, fields: Record<string, unknown>): Promise<string> {
  const res = await service.request(`/cspace-services/records/${docType}`, {
    method: 'POST',
    headers: { 'Content-Type': JSON_TYPE },
    body: JSON.stringify({ document: { '@name': docType, ...fields } }),
  });
  expect(res.status, await res.clone().text()).to.equal(201);
  return csidOf(res.headers.get('location'));
}

export async function readRecord(service: TestService, docType: string, csid: string): Promise<Record<string, any>> {
  const res = await service.request(`/cspace-services/records/${docType}/${csid}`, { headers: { Accept: JSON_TYPE } });
  expect(res.status).to.equal(200);
  return ((await res.json()) as any).document;
}

export async function relate(
  service: TestService,
  subject: { csid: string; docType: string },
  relationshipType: string,
  object: { csid: string; docType: string },
): Promise<string> {
  const res = await service.request('/cspace-services/relations', {
    method: 'POST',
    headers: { 'Content-Type': JSON_TYPE },
    body: JSON.stringify({
      'ns2:relations_common': {
        '@xmlns:ns2': 'http://collectionspace.org/services/relation',
        subjectCsid: subject.csid,
        subjectDocumentType: subject.docType,
        relationshipType,
        objectCsid: object.csid,
        objectDocumentType: object.docType,
      },
    }),
  });
  expect(res.status, await res.clone().text()).to.equal(201);
  return csidOf(res.headers.get('location'));
}

/** Creates a definition from its `batch_common` fields and, when given, the fields of its `batch_invocables` part. */
export async function createDefinition(
  service: TestService,
  fields: Record<string, unknown>,
  invocablesFields?: Record<string, unknown>,
): Promise<string> {
  const extension = invocablesFields && {
    'ns2:batch_invocables': { '@xmlns:ns2': 'http://collectionspace.org/services/batch/local/invocables', ...invocablesFields },
  };
  const res = await service.request('/cspace-services/batch', {
    method: 'POST',
    headers: { 'Content-Type': JSON_TYPE },
    body: JSON.stringify({
      document: { '@name': 'batch', 'ns2:batch_common': { '@xmlns:ns2': 'http://collectionspace.org/services/batch', ...fields }, ...extension },
    }),
  });
  expect(res.status, await res.clone().text()).to.equal(201);
  return csidOf(res.headers.get('location'));
}

/** The csid of the first definition naming `className`. */
export async function definitionFor(service: TestService, className: string): Promise<string> {
  const res = await service.request(`/cspace-services/batch?classname=${encodeURIComponent(className)}`, {
    headers: { Accept: JSON_TYPE },
  });
  const item = ((await res.json()) as any)['ns2:abstract-common-list']['list-item'];
  const first = Array.isArray(item) ? item[0] : item;
  expect(first, `a definition for ${className}`).to.not.equal(undefined);
  return first.csid;
}

export interface InvocationContextInput {
  mode?: string;
  docType?: string;
  singleCSID?: string;
  groupCSID?: string;
  listCSIDs?: string[];
  params?: Array<{ key: string; value: string }>;
}

/** An invocation context as a JSON request body; absent fields are left out. */
export function invocationContextBody(context: InvocationContextInput): string {
  return JSON.stringify({
    'ns2:invocationContext': {
      '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable',
      ...(context.mode !== undefined && { mode: context.mode }),
      ...(context.docType !== undefined && { docType: context.docType }),
      ...(context.singleCSID !== undefined && { singleCSID: context.singleCSID }),
      ...(context.groupCSID !== undefined && { groupCSID: context.groupCSID }),
      ...(context.listCSIDs !== undefined && { listCSIDs: { csid: context.listCSIDs } }),
      ...(context.params !== undefined && { params: { param: context.params } }),
    },
  });
}

/** Invokes in JSON, answering the JSON body (string values) and the status. */
export async function invoke(
  service: TestService,
  csid: string,
  context: InvocationContextInput,
  path = 'invoke',
): Promise<{ status: number; body: any }> {
  const res = await service.request(`/cspace-services/batch/${csid}${path === '' ? '' : `/${path}`}`, {
    method: 'POST',
    headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
    body: invocationContextBody(context),
  });
  return { status: res.status, body: await res.json() };
}

/** The JSON body at `pathname`, whatever the status. */
/** GETs `pathname` as `accept` (XML or JSON), expects 200 in that media type, and answers its root element `root`. */
export async function readRoot(service: TestService, pathname: string, accept: string, root: string): Promise<any> {
  const res = await service.request(pathname, { headers: { Accept: accept } });
  expect(res.status, await res.clone().text()).to.equal(200);
  if (accept === XML_TYPE) {
    expect(res.headers.get('content-type')).to.match(/^application\/xml/);
    return parseXml(await res.text())[root];
  }
  expect(res.headers.get('content-type')).to.match(/^application\/json/);
  return ((await res.json()) as any)[root];
}

export async function getJson(service: TestService, pathname: string): Promise<any> {
  return (await service.request(pathname, { headers: { Accept: JSON_TYPE } })).json();
}

/**
 * `count` CollectionObject records (`objectNumber` `o0`, `o1`, ...) created straight in the store, each with the
 * fields `fields(i)` gives that are not `undefined`; answers their csids in order.
 */
export async function createObjects(
  service: TestService,
  count: number,
  fields: (i: number) => Record<string, string | undefined> = () => ({}),
): Promise<string[]> {
  const csids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const extra = Object.fromEntries(Object.entries(fields(i)).filter((entry): entry is [string, string] => entry[1] !== undefined));
    csids.push((await service.store.records.create(DEFAULT_TENANT, 'CollectionObject', { objectNumber: `o${i}`, ...extra }, 'test')).csid);
  }
  return csids;
}

/** The run document at `location` once its status is one of `statuses`. */
export function runReaching(service: TestService, location: string, statuses: readonly string[], what: string): Promise<any> {
  return waitFor(what, async () => {
    const run = (await getJson(service, location))['ns2:run'];
    return statuses.includes(run.status) ? run : undefined;
  });
}
