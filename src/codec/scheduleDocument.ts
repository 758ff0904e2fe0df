/**
 * Schedule documents: the `POST /batch/{csid}/schedules` body (`<schedule>` holding `at` or `every`, an optional
 * `timezone` and an `invocationContext`), the `ns2:schedule` document and the schedules list.
 */
import { ValidationError } from '../domain/errors.js';
import type { Schedule } from '../domain/schedules.js';
import type { ListSpec } from './commonList.js';
import { decodeInvocationContext, encodeInvocationContext, INVOCATION_CONTEXT_ELEMENT, type InvocationContextPayload } from './invocationContext.js';
import { PART_PREFIX } from './namespaces.js';
import { runUri } from './runDocument.js';
import { elementChildren, isDocNode, localName, rootElement, type DocTree, type DocValue } from './tree.js';

export const SCHEDULE_NAMESPACE = 'http://collectionspace.org/services/batch/schedule';
export const SCHEDULE_ELEMENT = 'schedule';

export function scheduleUri(id: string): string {
  return `/schedules/${id}`;
}

export interface ScheduleRequest {
  at?: string;
  every?: string;
  timezone?: string;
  context: InvocationContextPayload;
}

const TEXT_FIELDS = ['at', 'every', 'timezone'] as const;

function text(value: DocValue, field: string): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value).trim();
  throw new ValidationError(`${field} must be text`, [{ path: `schedule/${field}`, message: 'must be text' }]);
}

/** @throws ValidationError naming the element for another root, an unknown or repeated child, or no context. */
export function decodeScheduleRequest(tree: DocTree): ScheduleRequest {
  const root = rootElement(tree);
  if (root === undefined || localName(root.key) !== SCHEDULE_ELEMENT || !isDocNode(root.value)) {
    throw new ValidationError('Expected a <schedule> element', [{ path: '(root)', message: `must be <${SCHEDULE_ELEMENT}>` }]);
  }
  const request: Partial<ScheduleRequest> = {};
  for (const child of elementChildren(root.value)) {
    const name = localName(child.key);
    if (Array.isArray(child.value)) {
      throw new ValidationError(`<${name}> appears more than once`, [{ path: `schedule/${name}`, message: 'must appear once' }]);
    }
    if (name === INVOCATION_CONTEXT_ELEMENT) request.context = decodeInvocationContext({ [child.key]: child.value });
    else if ((TEXT_FIELDS as readonly string[]).includes(name)) {
      const value = text(child.value, name);
      if (value !== '') request[name as (typeof TEXT_FIELDS)[number]] = value;
    } else {
      throw new ValidationError(`Unknown element <${child.key}> in <schedule>`, [{ path: `schedule/${name}`, message: 'is not allowed' }]);
    }
  }
  if (request.context === undefined) {
    throw new ValidationError('A schedule needs an <invocationContext>', [{ path: 'schedule/invocationContext', message: 'is required' }]);
  }
  return request as ScheduleRequest;
}

const iso = (date: Date | undefined) => date?.toISOString();

/** What a schedule list item shows: the document's summary fields. */
function scheduleSummary(schedule: Schedule) {
  return {
    id: schedule.id,
    uri: scheduleUri(schedule.id),
    definitionCsid: schedule.definitionCsid,
    definitionName: schedule.definitionName,
    at: iso(schedule.at),
    every: schedule.every,
    timezone: schedule.timezone,
    createdBy: schedule.createdBy,
    nextRunAt: iso(schedule.nextRunAt),
    lastRunAt: iso(schedule.lastRunAt),
    lastRunId: schedule.lastRunId,
  };
}

export function encodeScheduleDocument(schedule: Schedule): DocTree {
  return {
    [`${PART_PREFIX}:${SCHEDULE_ELEMENT}`]: {
      [`@xmlns:${PART_PREFIX}`]: SCHEDULE_NAMESPACE,
      ...scheduleSummary(schedule),
      createdAt: iso(schedule.createdAt),
      lastRunUri: schedule.lastRunId === undefined ? undefined : runUri(schedule.lastRunId),
      failedAt: iso(schedule.failedAt),
      failReason: schedule.failReason,
      ...encodeInvocationContext(schedule.context),
    },
  };
}

export const SCHEDULE_LIST_SPEC: ListSpec<Schedule> = {
  fieldsReturned: ['id', 'uri', 'definitionCsid', 'definitionName', 'at', 'every', 'timezone', 'createdBy', 'nextRunAt', 'lastRunAt', 'lastRunId'],
  toItem: scheduleSummary,
};
