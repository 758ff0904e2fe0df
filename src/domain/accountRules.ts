/**
 * Rules for the names and secrets of tenants, users, roles and permissions, checked before anything is stored.
 * Names are narrow on purpose: they appear in URLs, logs and store filters, so nothing in them may read as a
 * path, an operator or markup.
 */
import { ACTION_BY_LETTER, ACTIONS, type Action, type Permission } from './access.js';
import { ValidationError, type ErrorDetail } from './errors.js';
import type { TenantId } from './types.js';

export const ACCOUNT_RULES = {
  tenantId: /^[a-z0-9][a-z0-9_-]{0,62}$/,
  username: /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/,
  roleName: /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/,
  resource: /^(\*|[A-Za-z][A-Za-z0-9_./-]{0,127})$/,
  passwordMinLength: 8,
  passwordMaxLength: 1024,
  labelMaxLength: 200,
} as const;

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(`Invalid ${path}: ${message}`, [{ path, message }]);
}

export function checkTenantId(value: string, path = 'tenant/id'): TenantId {
  if (!ACCOUNT_RULES.tenantId.test(value)) {
    throw invalid(path, "must be 1-63 lower-case letters, digits, '_' or '-', starting with a letter or digit");
  }
  return value as TenantId;
}

export function checkUsername(value: string, path = 'user/username'): string {
  if (!ACCOUNT_RULES.username.test(value)) {
    throw invalid(path, "must be 1-128 letters, digits, '.', '_', '@', '+' or '-', starting with a letter or digit");
  }
  return value;
}

export function checkRoleName(value: string, path = 'role/name'): string {
  if (!ACCOUNT_RULES.roleName.test(value)) {
    throw invalid(path, "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter");
  }
  return value;
}

export function checkPassword(value: string, path = 'password'): string {
  const length = [...value].length;
  if (length < ACCOUNT_RULES.passwordMinLength || length > ACCOUNT_RULES.passwordMaxLength) {
    throw invalid(path, `must be ${ACCOUNT_RULES.passwordMinLength} to ${ACCOUNT_RULES.passwordMaxLength} characters long`);
  }
  return value;
}

/** `CRUDLI` letters → actions, in that canonical order. */
export function actionsFromLetters(letters: string, path: string): Action[] {
  const unknown = [...letters].filter((letter) => ACTION_BY_LETTER[letter] === undefined);
  if (letters === '' || unknown.length > 0) throw invalid(path, "must be letters from 'CRUDLI'");
  return ACTIONS.filter((action) => [...letters].some((letter) => ACTION_BY_LETTER[letter] === action));
}

/** Actions → `CRUDLI` letters, in canonical order. */
export function lettersFromActions(actions: readonly Action[]): string {
  return Object.entries(ACTION_BY_LETTER)
    .filter(([, action]) => actions.includes(action))
    .map(([letter]) => letter)
    .join('');
}

export function checkPermissions(permissions: readonly Permission[], path = 'role/permissions'): Permission[] {
  const problems: ErrorDetail[] = [];
  permissions.forEach((permission, index) => {
    if (!ACCOUNT_RULES.resource.test(permission.resource)) {
      problems.push({ path: `${path}/permission[${index}]/resource`, message: "must be '*' or a resource name such as 'records'" });
    }
  });
  if (problems.length > 0) throw new ValidationError('Invalid permissions', problems);
  return permissions.map(({ resource, actions }) => ({ resource, actions: [...new Set(actions)] }));
}

/** Distinct, valid role names, in the order given. */
export function checkRoleNames(names: readonly string[], path = 'roles'): string[] {
  names.forEach((name, index) => checkRoleName(name, `${path}/role[${index}]`));
  return [...new Set(names)];
}
