/** Engine-neutral pieces of the auth stores. */
import { DomainError } from '../domain/errors.js';

/** The error a create answers when the id is taken; both engines word it the same. */
export function alreadyExists(what: string, id: string): DomainError {
  return new DomainError('CONFLICT', `${what} '${id}' already exists`);
}
