/**
 * API tokens of the caller's tenant. A token acts as one member of the tenant with that member's roles at the
 * time of each request; its secret is returned once, by `create`, and only its hash is kept.
 */
import type { Caller } from '../../domain/access.js';
import { ACCOUNT_RULES, checkUsername } from '../../domain/accountRules.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { Page, Paging } from '../../domain/paging.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { TokenRecord } from '../../domain/accounts.js';
import type { Clock } from '../../store/queryRules.js';
import { generateToken, isTokenId } from './apiToken.js';
import { hashSecret } from './secretHash.js';

export interface NewTokenInput {
  label: string;
  /** The member the token acts as. @defaultValue the caller */
  username?: string;
  expiresAt?: Date;
}

export interface CreatedToken {
  record: TokenRecord;
  /** The bearer token itself; not retrievable later. */
  token: string;
}

export class TokenAdmin {
  constructor(
    private readonly store: AuthStore,
    private readonly now: Clock,
  ) {}

  async create(caller: Caller, input: NewTokenInput): Promise<CreatedToken> {
    const label = input.label.trim();
    if (label === '' || label.length > ACCOUNT_RULES.labelMaxLength) {
      throw new ValidationError('Invalid token label', [{ path: 'token/label', message: `must be 1 to ${ACCOUNT_RULES.labelMaxLength} characters` }]);
    }
    if (input.expiresAt !== undefined && input.expiresAt.getTime() <= this.now().getTime()) {
      throw new ValidationError('Invalid token expiry', [{ path: 'token/expiresAt', message: 'must be in the future' }]);
    }
    const username = checkUsername(input.username ?? caller.user, 'token/username');
    if ((await this.store.users.get(caller.tenant, username)) === undefined) throw new NotFoundError('User', username);
    const { id, secret, token } = generateToken();
    const secretHash = await hashSecret(secret);
    const record = await this.store.tokens.create(
      caller.tenant,
      { id, username, label, secretHash, ...(input.expiresAt !== undefined && { expiresAt: input.expiresAt }) },
      caller.user,
    );
    return { record, token };
  }

  async get(caller: Caller, id: string): Promise<TokenRecord> {
    const token = isTokenId(id) ? await this.store.tokens.get(caller.tenant, id) : undefined;
    if (token === undefined) throw new NotFoundError('Token', id);
    return token;
  }

  list(caller: Caller, query: { username?: string; paging: Paging }): Promise<Page<TokenRecord>> {
    return this.store.tokens.list(caller.tenant, query);
  }

  async revoke(caller: Caller, id: string): Promise<TokenRecord> {
    const revoked = isTokenId(id) ? await this.store.tokens.revoke(caller.tenant, id, this.now()) : undefined;
    if (revoked === undefined) throw new NotFoundError('Token', id);
    return revoked;
  }
}
