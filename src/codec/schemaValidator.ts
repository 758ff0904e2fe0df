/**
 * The one ajv instance of the codecs and the one place ajv errors become `ValidationError` details.
 *
 * `coerceTypes: 'array'` is what makes the XML/JSON mirror workable: XML yields only strings and a single
 * occurrence is never an array, so `"true"` must read as `true` and a lone `forDocType` as a one-element list.
 * ajv only wraps scalars, though; a lone `<param>` or `<resourceActionGroup>` is an object, so
 * `liftSingletons` wraps those, guided by the same schema.
 */
import { Ajv, type AnySchema, type ErrorObject } from 'ajv';
import { ValidationError, type ErrorDetail } from '../domain/errors.js';

let sharedAjv: Ajv | undefined;

function ajv(): Ajv {
  sharedAjv ??= new Ajv({ allErrors: true, coerceTypes: 'array', strict: true, useDefaults: false });
  return sharedAjv;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function joinPath(root: string, instancePath: string, child?: string): string {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/').map(unescapePointer);
  return [root, ...segments, ...(child === undefined ? [] : [child])].join('/');
}

/** A readable `{ path, message }` for one ajv error, with `root` naming the checked element. */
export function toErrorDetail(error: ErrorObject, root: string): ErrorDetail {
  const { keyword, params, instancePath } = error;
  if (keyword === 'required' && typeof params['missingProperty'] === 'string') {
    return { path: joinPath(root, instancePath, params['missingProperty']), message: 'is required' };
  }
  // draft-07 `dependencies`: the missing member is where the problem is, and what made it required says why.
  if (keyword === 'dependencies' && typeof params['missingProperty'] === 'string') {
    return { path: joinPath(root, instancePath, params['missingProperty']), message: `is required when ${String(params['property'])} is given` };
  }
  if (keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    return { path: joinPath(root, instancePath, params['additionalProperty']), message: 'is not a known field' };
  }
  if (keyword === 'minLength' && params['limit'] === 1) {
    return { path: joinPath(root, instancePath), message: 'must not be blank' };
  }
  return { path: joinPath(root, instancePath), message: error.message ?? `fails ${keyword}` };
}

function uniqueDetails(details: ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return details.filter((detail) => {
    const key = `${detail.path}\u0000${detail.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The `ValidationError` for problems found in `label`, with the first problems in its message. */
export function validationFailed(label: string, details: ErrorDetail[]): ValidationError {
  const summary = details
    .slice(0, 3)
    .map((detail) => `${detail.path} ${detail.message}`)
    .join('; ');
  const more = details.length > 3 ? `; and ${details.length - 3} more` : '';
  return new ValidationError(`Invalid ${label}: ${summary}${more}`, details);
}

interface SchemaShape {
  type?: unknown;
  properties?: Record<string, SchemaShape>;
  items?: SchemaShape;
  $ref?: string;
}

function isShape(value: unknown): value is SchemaShape {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveLocalRef(shape: SchemaShape, root: SchemaShape): SchemaShape {
  if (shape.$ref === undefined || !shape.$ref.startsWith('#/')) return shape;
  let target: unknown = root;
  for (const segment of shape.$ref.slice(2).split('/').map(unescapePointer)) {
    target = isShape(target) ? (target as Record<string, unknown>)[segment] : undefined;
  }
  return isShape(target) ? target : shape;
}

/** Wraps a single occurrence into an array wherever the schema expects one, following properties and items. */
function liftSingletons(data: unknown, schemaNode: unknown, root: SchemaShape): unknown {
  if (!isShape(schemaNode) || data === undefined) return data;
  const shape = resolveLocalRef(schemaNode, root);
  if (shape.type === 'array') {
    const items = Array.isArray(data) ? data : [data];
    return items.map((item) => liftSingletons(item, shape.items, root));
  }
  if (shape.properties !== undefined && typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    for (const [key, propertyShape] of Object.entries(shape.properties)) {
      if (Object.hasOwn(record, key)) record[key] = liftSingletons(record[key], propertyShape, root);
    }
  }
  return data;
}

export type SchemaCheck<T> = (data: unknown) => T;

/**
 * A check against `schema` that returns the coerced value typed as `T`, or throws `ValidationError`.
 * The schema is compiled on first use, and the input is cloned first, because ajv coerces in place.
 * @param root the element name paths start with, e.g. `batch_common`.
 */
export function createSchemaCheck<T>(schema: AnySchema, root: string): SchemaCheck<T> {
  let validate: ReturnType<Ajv['compile']> | undefined;
  const shape = isShape(schema) ? schema : {};
  return (data: unknown): T => {
    validate ??= ajv().compile(schema);
    const copy = liftSingletons(structuredClone(data), shape, shape);
    if (validate(copy)) return copy as T;
    const details = uniqueDetails((validate.errors ?? []).map((error) => toErrorDetail(error, root)));
    throw validationFailed(root, details);
  };
}
