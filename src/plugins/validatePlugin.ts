/**
 * The trust boundary between a plugin module and the host. `isInvocable` is the type guard; `validatePlugin`
 * runs the same checks plus the ones types cannot express (semver range, JSON Schema compilation), in a fixed
 * order, and throws the first problem as a coded `PluginError`:
 *
 * 1. `PLUGIN_SHAPE`        not an object, or `className` / `contract` are not strings
 * 2. `PLUGIN_CONTRACT_RANGE` `contract` is not a valid semver range or does not include `CONTRACT_VERSION`
 * 3. `PLUGIN_SHAPE`        another field has the wrong JavaScript type
 * 4. `PLUGIN_NAME`         `className` / `aliases` are empty, contain whitespace, `/` or `..`, or repeat
 * 5. `PLUGIN_MODES`        `modes` is empty, repeats, or names a mode other than single|list|group|nocontext
 * 6. `PLUGIN_ENTRYPOINT`   not exactly one of `invoke` / `processItem` is a function
 * 7. `PLUGIN_PARAMS_SCHEMA` `paramsSchema` does not compile
 * 8. `PLUGIN_DEFAULT_DEFINITION` `defaultDefinition` is malformed or enables more than the plugin supports
 *
 * The contract range comes right after the identity fields so a plugin written for another contract is told
 * that, rather than which of its fields this contract happens to read differently.
 *
 * The checks run on the service's thread over a `PluginDescription`, the plain data a loading thread sends of a
 * module's default export (threads/loadThread.ts): step 6 reads the `typeof` of each method there. Neither the
 * plugin's code nor what its top level did to its thread's globals takes part.
 */
import { Ajv, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import semver from 'semver';
import { INVOCATION_MODES, isInvocationMode } from '../domain/types.js';
import { CONTRACT_VERSION } from './contract.js';
import { describedFields, describeExport, type PluginDescription, type PluginDescriptor, type PluginFields } from './descriptor.js';

export const PLUGIN_ERROR_CODES = [
  /** The module could not be imported: syntax error, or it threw while evaluating. */
  'PLUGIN_IMPORT',
  'PLUGIN_NO_DEFAULT_EXPORT',
  'PLUGIN_SHAPE',
  'PLUGIN_CONTRACT_RANGE',
  'PLUGIN_NAME',
  'PLUGIN_MODES',
  'PLUGIN_ENTRYPOINT',
  'PLUGIN_PARAMS_SCHEMA',
  'PLUGIN_DEFAULT_DEFINITION',
  /** Two files claim the same className or alias; the later file (in sorted order) is refused. */
  'PLUGIN_DUPLICATE_NAME',
  /** Its module did not load within the load time limit (top-level code that blocks, or waits for ever). */
  'PLUGIN_LOAD_TIMEOUT',
  /** Its module stopped the thread loading it: `process.exit()`, or out of memory. */
  'PLUGIN_LOAD_CRASHED',
] as const;
export type PluginErrorCode = (typeof PLUGIN_ERROR_CODES)[number];

/**
 * Why a plugin was refused. Not a `DomainError`: plugin loading happens outside any request, and these codes
 * are reported through logs and `/health`, never mapped to an HTTP status.
 */
export class PluginError extends Error {
  override readonly name = 'PluginError';
  readonly code: PluginErrorCode;

  constructor(code: PluginErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A plugin that passed every check, with its params validator compiled once here. */
export interface ValidatedPlugin {
  plugin: PluginDescriptor;
  /** Validates, coerces (`coerceTypes: 'array'`) and fills defaults of an invocation's params in place. */
  validateParams: ValidateFunction | undefined;
}

type Candidate = Record<string, unknown>;
type Check = (candidate: Candidate) => PluginError | undefined;

function isRecord(value: unknown): value is Candidate {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function shapeError(message: string): PluginError {
  return new PluginError('PLUGIN_SHAPE', message);
}

const checkIdentity: Check = (candidate) => {
  if (typeof candidate.className !== 'string') return shapeError('className must be a string');
  if (typeof candidate.contract !== 'string') return shapeError('contract must be a semver range string');
  return undefined;
};

const checkContractRange: Check = (candidate) => {
  const range = candidate.contract as string;
  if (semver.validRange(range) === null) {
    return new PluginError('PLUGIN_CONTRACT_RANGE', `contract '${range}' is not a valid semver range`);
  }
  if (!semver.satisfies(CONTRACT_VERSION, range)) {
    return new PluginError(
      'PLUGIN_CONTRACT_RANGE',
      `contract '${range}' does not include the host's contract version ${CONTRACT_VERSION}`,
    );
  }
  return undefined;
};

const OPTIONAL_STRINGS = ['version', 'description'] as const;
const OPTIONAL_STRING_ARRAYS = ['aliases', 'docTypes'] as const;

const checkFieldTypes: Check = (candidate) => {
  if (!Array.isArray(candidate.modes)) return shapeError('modes must be an array');
  for (const key of OPTIONAL_STRINGS) {
    if (candidate[key] !== undefined && typeof candidate[key] !== 'string') return shapeError(`${key} must be a string`);
  }
  for (const key of OPTIONAL_STRING_ARRAYS) {
    if (candidate[key] !== undefined && !isStringArray(candidate[key])) {
      return shapeError(`${key} must be an array of strings`);
    }
  }
  if (isStringArray(candidate.docTypes) && candidate.docTypes.some((docType) => docType.trim() === '')) {
    return shapeError('docTypes must not contain empty strings');
  }
  if (candidate.paramsSchema !== undefined && !isRecord(candidate.paramsSchema)) {
    return shapeError('paramsSchema must be a JSON Schema object');
  }
  const timeoutMs = candidate.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    return shapeError('timeoutMs must be a positive integer');
  }
  for (const field of ['retries', 'retryDelayMs'] as const) {
    const value = candidate[field];
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
      return shapeError(`${field} must be a non-negative integer`);
    }
  }
  if (candidate.rerunnable !== undefined && typeof candidate.rerunnable !== 'boolean') {
    return shapeError('rerunnable must be a boolean');
  }
  if (candidate.defaultDefinition !== undefined && !isRecord(candidate.defaultDefinition)) {
    return shapeError('defaultDefinition must be an object');
  }
  return undefined;
};

/** Names end up in definitions, logs and URLs, so they must be single tokens that cannot address a path. */
function nameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (/\s/.test(name)) return 'must not contain whitespace';
  if (name.includes('/')) return "must not contain '/'";
  if (name.includes('..')) return "must not contain '..'";
  return undefined;
}

const checkNames: Check = (candidate) => {
  const className = candidate.className as string;
  const aliases = (candidate.aliases as string[] | undefined) ?? [];
  const classNameProblem = nameProblem(className);
  if (classNameProblem !== undefined) {
    return new PluginError('PLUGIN_NAME', `className '${className}' ${classNameProblem}`);
  }
  const seen = new Set([className]);
  for (const alias of aliases) {
    const aliasProblem = nameProblem(alias);
    if (aliasProblem !== undefined) return new PluginError('PLUGIN_NAME', `alias '${alias}' ${aliasProblem}`);
    if (seen.has(alias)) return new PluginError('PLUGIN_NAME', `name '${alias}' is given twice`);
    seen.add(alias);
  }
  return undefined;
};

function modesProblem(modes: readonly unknown[], subject: string): string | undefined {
  if (modes.length === 0) return `${subject} must not be empty`;
  const unknown = modes.find((mode) => !isInvocationMode(mode));
  if (unknown !== undefined) {
    return `${subject} has '${String(unknown)}'; supported modes are ${INVOCATION_MODES.join(', ')}`;
  }
  if (new Set(modes).size !== modes.length) return `${subject} repeats a mode`;
  return undefined;
}

const checkModes: Check = (candidate) => {
  const problem = modesProblem(candidate.modes as unknown[], 'modes');
  return problem === undefined ? undefined : new PluginError('PLUGIN_MODES', problem);
};

/** Step 6, given how to read the `typeof` of a method: of the export itself, or as its description says. */
function entrypointCheck(typeOf: (candidate: Candidate, method: 'invoke' | 'processItem') => string): Check {
  return (candidate) => {
    const invoke = typeOf(candidate, 'invoke') === 'function';
    const processItem = typeOf(candidate, 'processItem') === 'function';
    if (invoke && processItem) {
      return new PluginError('PLUGIN_ENTRYPOINT', 'define either invoke or processItem, not both');
    }
    if (!invoke && !processItem) {
      return new PluginError('PLUGIN_ENTRYPOINT', 'invoke or processItem must be a function');
    }
    const other = invoke ? 'processItem' : 'invoke';
    if (typeOf(candidate, other) !== 'undefined') {
      return new PluginError('PLUGIN_ENTRYPOINT', `${other} must be absent when ${invoke ? 'invoke' : 'processItem'} is used`);
    }
    return undefined;
  };
}

const checkDescribedEntrypoint = entrypointCheck((candidate, method) => (candidate.methods as PluginDescription['methods'])[method]);

/** Options shared with how the runtime will use the validator: query-string params arrive as strings or arrays. */
const PARAMS_AJV_OPTIONS = {
  coerceTypes: 'array',
  useDefaults: true,
  allErrors: true,
} as const satisfies AjvOptions;

/**
 * One Ajv instance per plugin (and per reload): schemas with an `$id` would otherwise collide between plugins
 * and between two versions of one plugin, and the compiled code of an unloaded plugin is freed with it.
 */
function compileParamsSchema(schema: Candidate): ValidateFunction {
  const draft2020 = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12');
  const ajv = draft2020 ? new Ajv2020(PARAMS_AJV_OPTIONS) : new Ajv(PARAMS_AJV_OPTIONS);
  // ajv-formats is CommonJS; under NodeNext its default import is the module object, whose `default` is the plugin.
  ajvFormats.default(ajv);
  return ajv.compile(schema);
}

function checkParamsSchemaCompiles(candidate: Candidate): PluginError | ValidateFunction | undefined {
  if (candidate.paramsSchema === undefined) return undefined;
  try {
    return compileParamsSchema(candidate.paramsSchema as Candidate);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new PluginError('PLUGIN_PARAMS_SCHEMA', `paramsSchema does not compile: ${reason}`, { cause: error });
  }
}

function defaultDefinitionProblem(template: Candidate, candidate: Candidate): string | undefined {
  if (typeof template.name !== 'string' || template.name.trim() === '') return 'name must be a non-empty string';
  if (template.notes !== undefined && typeof template.notes !== 'string') return 'notes must be a string';
  if (template.createsNewFocus !== undefined && typeof template.createsNewFocus !== 'boolean') {
    return 'createsNewFocus must be a boolean';
  }
  if (template.forDocTypes !== undefined) {
    if (!isStringArray(template.forDocTypes)) return 'forDocTypes must be an array of strings';
    const supported = candidate.docTypes as string[] | undefined;
    const foreign = template.forDocTypes.find((docType) => supported !== undefined && !supported.includes(docType));
    if (foreign !== undefined) return `forDocTypes has '${foreign}', which is not among the plugin's docTypes`;
  }
  if (template.modes !== undefined) {
    if (!Array.isArray(template.modes)) return 'modes must be an array';
    const problem = modesProblem(template.modes, 'modes');
    if (problem !== undefined) return problem;
    const pluginModes = candidate.modes as string[];
    const foreign = (template.modes as string[]).find((mode) => !pluginModes.includes(mode));
    if (foreign !== undefined) return `modes has '${foreign}', which the plugin does not support`;
  }
  return undefined;
}

const checkDefaultDefinition: Check = (candidate) => {
  if (candidate.defaultDefinition === undefined) return undefined;
  const problem = defaultDefinitionProblem(candidate.defaultDefinition as Candidate, candidate);
  return problem === undefined ? undefined : new PluginError('PLUGIN_DEFAULT_DEFINITION', `defaultDefinition ${problem}`);
};

/** Steps 1 to 6 of the documented order. */
const CHECKS_BEFORE_SCHEMA: readonly Check[] = [
  checkIdentity,
  checkContractRange,
  checkFieldTypes,
  checkNames,
  checkModes,
  checkDescribedEntrypoint,
];

function isDescription(value: unknown): value is PluginDescription {
  return isRecord(value) && typeof value.type === 'string' && isRecord(value.fields) && isRecord(value.methods);
}

/**
 * Checks what a loading thread said of a module's default export, in the documented order; throws the first problem
 * as a `PluginError`. What the description holds besides the described fields is ignored.
 */
export function validateDescription(description: unknown): ValidatedPlugin {
  if (!isDescription(description) || description.type !== 'object') {
    const type = isRecord(description) ? String(description.type) : 'nothing';
    throw shapeError(`the default export must be an Invocable object, got ${type}`);
  }
  const candidate: Candidate = { ...describedFields(description.fields), methods: description.methods };
  for (const check of CHECKS_BEFORE_SCHEMA) {
    const problem = check(candidate);
    if (problem !== undefined) throw problem;
  }
  const compiled = checkParamsSchemaCompiles(candidate);
  if (compiled instanceof PluginError) throw compiled;
  const definitionProblem = checkDefaultDefinition(candidate);
  if (definitionProblem !== undefined) throw definitionProblem;
  const perRecord = description.methods.processItem === 'function';
  const plugin: PluginDescriptor = {
    ...(describedFields(candidate) as unknown as PluginFields),
    entrypoint: perRecord ? 'processItem' : 'invoke',
    summarizes: perRecord && description.methods.summarize === 'function',
  };
  return { plugin, validateParams: compiled };
}

/** Checks a default export as a loading thread and the service do together (tests, tools). */
export function validatePlugin(value: unknown): ValidatedPlugin {
  return validateDescription(describeExport(value));
}
