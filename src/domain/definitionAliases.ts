/**
 * Aliases of batch job definitions (OSID `aliasJobs`): further ids a definition answers to. Csids are always
 * UUIDs, so an alias may never have that shape: it can then never collide with a csid, today's or a future one.
 * Neither may it be a word the batch routes use after `/batch/` themselves.
 */
import { ValidationError, quoted } from './errors.js';

/** Letters, digits and `._~-` (unreserved in a URL path, so an alias needs no escaping), starting with a letter or digit. */
const ALIAS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Most aliases one definition may have: each is kept for as long as the definition. */
export const ALIASES_PER_DEFINITION = 20;
/** Paths under `/batch/` that are not a definition. */
export const RESERVED_ALIASES: readonly string[] = ['bulk', 'forms', 'export', 'import'];

/** @throws ValidationError when `alias` could be mistaken for a csid or a route, or is not a plain path segment. */
export function checkAlias(alias: string): void {
  const problem = !ALIAS_PATTERN.test(alias)
    ? 'must be 1 to 100 letters, digits or ._~- starting with a letter or digit'
    : UUID_PATTERN.test(alias)
      ? 'has the shape of a csid, which an alias may never have'
      : RESERVED_ALIASES.includes(alias.toLowerCase())
        ? `is a path of the batch service (reserved: ${RESERVED_ALIASES.join(', ')})`
        : undefined;
  if (problem !== undefined) throw new ValidationError(`The alias ${quoted(alias)} ${problem}`, [{ path: 'alias', message: problem }]);
}
