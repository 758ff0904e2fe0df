/**
 * The checks an invocation passes before any plugin code runs, in the documented order, each with its own
 * message (CollectionSpace's wording where it has one). Pure: the caller looks things up, these decide.
 */
import { DomainError, quoted, someOf } from '../domain/errors.js';
import {
  enabledModes,
  GROUP_DOCTYPE,
  isInvocationMode,
  MODE_FLAGS,
  type InvocationMode,
  type StoredDefinition,
} from '../domain/types.js';
import type { InvocationContextPayload } from '../codec/index.js';
import type { PluginFields } from '../plugins/descriptor.js';

const CONTEXT = 'invocationContext';

/** The trimmed text, or `undefined` when absent or blank: an empty element means "not given". */
export function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

export function checkMode(payload: InvocationContextPayload, stored: StoredDefinition): InvocationMode {
  const requested = nonBlank(payload.mode)?.toLowerCase();
  if (requested === undefined) {
    throw new DomainError('UNSUPPORTED_MODE', 'No invocation mode was given', [
      { path: `${CONTEXT}/mode`, message: 'is required: single, list, group or nocontext' },
    ]);
  }
  if (!isInvocationMode(requested)) {
    throw new DomainError('UNSUPPORTED_MODE', `Unknown invocation mode ${quoted(payload.mode ?? '')} requested`, [
      { path: `${CONTEXT}/mode`, message: 'must be single, list, group or nocontext' },
    ]);
  }
  const { definition } = stored;
  if (!definition[MODE_FLAGS[requested]]) {
    throw new DomainError(
      'UNSUPPORTED_MODE',
      `The batch job '${definition.name}' CSID='${stored.csid}' does not support the invocation mode '${requested}'`,
      [{ path: `${CONTEXT}/mode`, message: `enabled modes: ${enabledModes(definition).join(', ') || 'none'}` }],
    );
  }
  return requested;
}

export function checkPluginMode(plugin: Pick<PluginFields, 'className' | 'modes'>, mode: InvocationMode): void {
  if (!plugin.modes.includes(mode)) {
    throw new DomainError(
      'UNSUPPORTED_MODE',
      `Invoked with unsupported mode '${mode}'. Plugin '${plugin.className}' supports these modes: [${plugin.modes.join(', ')}]`,
      [{ path: `${CONTEXT}/mode`, message: `plugin supports: ${plugin.modes.join(', ')}` }],
    );
  }
}

/**
 * The context's docType must be one the definition is for (case-insensitive). An empty `forDocTypes` accepts any
 * type; group mode also accepts `Group` or no docType (CollectionSpace DRYD-1069).
 */
export function checkDocType(payload: InvocationContextPayload, stored: StoredDefinition, mode: InvocationMode): void {
  if (mode === 'nocontext') return;
  const docType = nonBlank(payload.docType);
  if (docType === undefined) {
    if (mode === 'group') return;
    throw new DomainError('MISSING_CONTEXT', `Mode '${mode}' needs the docType of the context records`, [
      { path: `${CONTEXT}/docType`, message: 'is required' },
    ]);
  }
  const { forDocTypes, name } = stored.definition;
  const accepted = forDocTypes.map((type) => type.toLowerCase());
  if (mode === 'group') accepted.push(GROUP_DOCTYPE.toLowerCase());
  if (forDocTypes.length > 0 && !accepted.includes(docType.toLowerCase())) {
    throw new DomainError(
      'UNSUPPORTED_DOCTYPE',
      `The batch job '${name}' CSID='${stored.csid}' does not support the invocation document type ${quoted(docType)}`,
      [{ path: `${CONTEXT}/docType`, message: `must be one of: ${forDocTypes.join(', ')}` }],
    );
  }
}

/** The csids the context names for its mode, or a 400 when they are missing. */
export function contextCsids(payload: InvocationContextPayload, mode: InvocationMode): string[] {
  const missing = (path: string, message: string) =>
    new DomainError('MISSING_CONTEXT', `Mode '${mode}' needs ${message}`, [{ path: `${CONTEXT}/${path}`, message: 'is required' }]);
  switch (mode) {
    case 'single':
      return [nonBlank(payload.singleCSID) ?? throwError(missing('singleCSID', 'a singleCSID'))];
    case 'list':
      if (payload.listCSIDs.length === 0) throw missing('listCSIDs', 'at least one csid in listCSIDs');
      return payload.listCSIDs;
    case 'group':
      return [nonBlank(payload.groupCSID) ?? throwError(missing('groupCSID', 'a groupCSID'))];
    case 'nocontext':
      return [];
  }
}

function throwError(error: Error): never {
  throw error;
}

/** Params as the plugin sees them: each key maps to its value, or to all its values when repeated. */
export function paramsObject(params: InvocationContextPayload['params']): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = Object.create(null);
  for (const { key, value } of params) {
    const previous = result[key];
    result[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return result;
}

/** The 404 for context csids that do not exist: the first few named, all counted (the list may be huge). */
export function missingRecords(missing: string[], docType: string | undefined): DomainError {
  const records = missing.length === 1 ? 'a record that does' : `${missing.length} records that do`;
  return new DomainError(
    'NOT_FOUND',
    `The context names ${records} not exist${docType ? ` as ${docType}` : ''}: ${someOf(missing)}`,
    missing.map((csid) => ({ path: `${CONTEXT}/csid`, message: `${quoted(csid)} was not found` })),
  );
}

