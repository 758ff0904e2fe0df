/**
 * Shared by the shipped plugins (this folder has no index, so the loader does not take it for a plugin). A plugin
 * folder reloads when its own files change: after editing this file, restart the service (or touch the plugins).
 *
 * CollectionSpace refNames: the URNs that identify authorities, vocabularies and their items (terms), e.g.
 *
 *   urn:cspace:core.collectionspace.org:locationauthorities:name(location):item:name(xyz)'Display Name'
 *
 * Shape: `urn:cspace:{tenant domain}:{service}:{id}[:item:{id}]['{display name}']`, where each `{id}` is
 * `name(shortIdentifier)` or `id(csid)`. The display name is optional and runs from the first quote after the
 * last identifier to a closing quote at the very end, so it may itself contain quotes (`'O'Brien's shelf'`).
 */

export interface RefNameIdentifier {
  /** `name` for a short identifier, `id` for a csid. */
  kind: 'name' | 'id';
  value: string;
}

export interface RefName {
  /** The tenant's domain, e.g. `core.collectionspace.org`. */
  tenantDomain: string;
  /** The authority's service, e.g. `locationauthorities`, `orgauthorities`, `vocabularies`. */
  service: string;
  /** The authority (vocabulary) itself. */
  authority: RefNameIdentifier;
  /** The term inside the authority; absent when the refName names the authority. */
  item?: RefNameIdentifier;
  /** The display name, quotes removed; absent when the refName has none. */
  displayName?: string;
}

const SEGMENT = '[^:()\'\\s]+';
const IDENTIFIER = `(name|id)\\(([^()\\s]+)\\)`;
const REF_NAME = new RegExp(
  `^urn:cspace:(${SEGMENT}):(${SEGMENT}):${IDENTIFIER}(?::item:${IDENTIFIER})?(?:'([^]*)')?$`,
);

/** Parses a refName; `undefined` for anything that is not one (including non-strings and blank strings). */
export function parseRefName(value: unknown): RefName | undefined {
  if (typeof value !== 'string') return undefined;
  const match = REF_NAME.exec(value.trim());
  if (match === null) return undefined;
  const [, tenantDomain, service, authorityKind, authorityValue, itemKind, itemValue, displayName] = match;
  const refName: RefName = {
    tenantDomain: tenantDomain!,
    service: service!,
    authority: { kind: authorityKind as RefNameIdentifier['kind'], value: authorityValue! },
  };
  if (itemKind !== undefined) refName.item = { kind: itemKind as RefNameIdentifier['kind'], value: itemValue! };
  if (displayName !== undefined) refName.displayName = displayName;
  return refName;
}

/** Whether `value` is the refName of an authority item (a term), as a Movement's `currentLocation` must be. */
export function isItemRefName(value: unknown): value is string {
  return parseRefName(value)?.item !== undefined;
}
