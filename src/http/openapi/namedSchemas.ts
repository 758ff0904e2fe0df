/**
 * Schemas that path modules name (`named('RunDocument', …)`) are moved into `components.schemas` and referenced
 * where they were used: a client generator then gets one type per document, not one per operation and media type.
 */
import type { OpenApiObject } from './operation.js';

const names = new WeakMap<object, string>();

/** Marks `schema` to be described once, as `components.schemas[name]`. */
export function named<T extends OpenApiObject>(name: string, schema: T): T {
  names.set(schema, name);
  return schema;
}

/**
 * `value` with every named schema in it replaced by a `$ref`, and the named schemas (themselves so rewritten) added
 * to `components`. @throws Error when two different schemas have one name
 */
export function hoistNamedSchemas<T>(value: T, components: Record<string, OpenApiObject>): T {
  const hoist = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(hoist);
    if (typeof node !== 'object' || node === null) return node;
    const name = names.get(node);
    const copy = Object.fromEntries(Object.entries(node).map(([key, child]) => [key, hoist(child)]));
    if (name === undefined) return copy;
    const described = components[name];
    if (described !== undefined && JSON.stringify(described) !== JSON.stringify(copy)) throw new Error(`Two schemas are named ${name}`);
    components[name] = copy;
    return { $ref: `#/components/schemas/${name}` };
  };
  return hoist(value) as T;
}
