/**
 * Authentication: turns presented credentials (HTTP Basic, an API token, or an OAuth JWT access token) into a `Caller` acting in one
 * tenant, or says why not. Framework-neutral; src/http/authenticate.ts parses headers and maps outcomes.
 *
 * Every failure a client can see is the same `unauthenticated`, whether the user is unknown, disabled, the
 * password wrong or the token revoked, so answers reveal nothing about which accounts exist. An unknown user
 * still costs one scrypt run, so timing does not tell either.
 */
import { randomBytes } from 'node:crypto';
import { mergePermissions, type Caller } from '../../domain/access.js';
import type { TenantId } from '../../domain/types.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { Membership, RoleRecord, UserRecord } from '../../domain/accounts.js';
import type { Clock } from '../../store/queryRules.js';
import { looksLikeJwt, revocationIdsOf, type AccessTokenClaims, type AccessTokenVerifier } from './accessTokens.js';
import { parseToken } from './apiToken.js';
import type { StoreGenerations } from '../keptReads.js';
import { AuthReads } from './authReads.js';
import { LoginThrottle, type LoginThrottleOptions } from './loginThrottle.js';
import { hashSecret, verifySecret } from './secretHash.js';
import { VerificationCache, type VerificationCacheOptions } from './verificationCache.js';

export type Credentials =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string };

export interface AuthRequest {
  /** `undefined` when the request carried none (or none we read). */
  credentials: Credentials | undefined;
  /** The tenant the client asks to act in (`X-Tenant-Id`); the user's default tenant when absent. */
  tenant?: string;
  /** The client's address, for throttling. */
  address: string;
}

export type AuthOutcome =
  | { kind: 'authenticated'; caller: Caller }
  | { kind: 'unauthenticated' }
  | { kind: 'throttled'; retryAfterSeconds: number }
  /** Authenticated, but not allowed in the requested tenant (or that tenant is disabled). */
  | { kind: 'tenant-refused'; tenant: string };

export interface AuthServiceOptions {
  throttle: LoginThrottleOptions;
  cache: VerificationCacheOptions;
  now: Clock;
  /** Verifies OAuth access tokens; absent, a JWT bearer is refused like any unknown token. */
  accessTokens?: AccessTokenVerifier;
  /** The store's generations, refreshed at every authentication, which what is read of users and roles follows. */
  generations: StoreGenerations;
}

export class AuthService {
  readonly #store: AuthStore;
  readonly #throttle: LoginThrottle;
  readonly #cache: VerificationCache;
  readonly #reads: AuthReads;
  readonly #generations: StoreGenerations;
  readonly #now: Clock;
  readonly #accessTokens: AccessTokenVerifier | undefined;
  #decoy: Promise<string> | undefined;

  constructor(store: AuthStore, options: AuthServiceOptions) {
    this.#store = store;
    this.#throttle = new LoginThrottle(options.throttle, options.now);
    this.#cache = new VerificationCache(options.cache, options.now);
    this.#reads = new AuthReads(store, options.generations);
    this.#generations = options.generations;
    this.#now = options.now;
    this.#accessTokens = options.accessTokens;
  }

  async authenticate(request: AuthRequest): Promise<AuthOutcome> {
    const { credentials } = request;
    if (credentials === undefined) return { kind: 'unauthenticated' };
    await this.#generations.refresh();
    return credentials.scheme === 'basic'
      ? this.#basic(credentials.username, credentials.password, request)
      : this.#bearer(credentials.token, request);
  }

  async #basic(username: string, password: string, request: AuthRequest): Promise<AuthOutcome> {
    const retryAfterSeconds = this.#throttle.passwordRetryAfterSeconds(username, request.address);
    if (retryAfterSeconds !== undefined) return { kind: 'throttled', retryAfterSeconds };
    const user = await this.#reads.user(username);
    if (!(await this.#passwordMatches(user, username, password))) {
      this.#throttle.passwordFailed(username, request.address);
      return { kind: 'unauthenticated' };
    }
    this.#throttle.passwordSucceeded(username, request.address);
    // A right password for a disabled account is no failure to count, but no way in either.
    if (user === undefined || user.disabled) return { kind: 'unauthenticated' };
    return this.#callerIn(user, request.tenant ?? user.defaultTenant);
  }

  /**
   * Junk (not our token format) and unknown token ids are refused before any scrypt run and counted nowhere:
   * they prove nothing and cost little, so they must not cost anyone else their access either.
   */
  async #bearer(token: string, request: AuthRequest): Promise<AuthOutcome> {
    if (this.#accessTokens !== undefined && looksLikeJwt(token)) return this.#accessToken(this.#accessTokens, token, request);
    const parsed = parseToken(token);
    const stored = parsed === undefined ? undefined : await this.#store.tokens.find(parsed.id);
    if (parsed === undefined || stored === undefined) return { kind: 'unauthenticated' };
    const subject = `token:${stored.id}`;
    if (!this.#cache.has(subject, parsed.secret, stored.secretHash)) {
      const retryAfterSeconds = this.#throttle.tokenRetryAfterSeconds(request.address);
      if (retryAfterSeconds !== undefined) return { kind: 'throttled', retryAfterSeconds };
      if (!(await this.#verify(subject, parsed.secret, stored.secretHash))) {
        this.#throttle.tokenFailed(request.address);
        return { kind: 'unauthenticated' };
      }
    }
    const now = this.#now().getTime();
    if (stored.revokedAt !== undefined || (stored.expiresAt !== undefined && stored.expiresAt.getTime() <= now)) {
      return { kind: 'unauthenticated' };
    }
    const user = await this.#reads.user(stored.username);
    if (user === undefined || user.disabled) return { kind: 'unauthenticated' };
    // A token acts in its own tenant only; asking for another is refused like any tenant the caller may not use.
    if (request.tenant !== undefined && request.tenant !== stored.tenant) return { kind: 'tenant-refused', tenant: request.tenant };
    const outcome = await this.#callerIn(user, stored.tenant);
    // A token stays in its tenant: nothing it starts may reach the user's other tenants either.
    return outcome.kind === 'authenticated' ? { ...outcome, caller: { ...outcome.caller, tenants: [outcome.caller.tenant] } } : outcome;
  }

  /**
   * An OAuth access token acts as its user in the same tenants as the user's password would: the default tenant,
   * or another they belong to named by `X-Tenant-Id` (CollectionSpace's tokens carry no tenant either). A forged,
   * expired or revoked token proves nothing and costs no scrypt run, so it counts nowhere, like junk.
   */
  async #accessToken(verifier: AccessTokenVerifier, token: string, request: AuthRequest): Promise<AuthOutcome> {
    const claims = await verifier.claims(token);
    if (claims === undefined || (await this.#revoked(claims))) return { kind: 'unauthenticated' };
    const user = await this.#reads.user(claims.username);
    if (user === undefined || user.disabled) return { kind: 'unauthenticated' };
    return this.#callerIn(user, request.tenant ?? user.defaultTenant);
  }

  /** Whether the token, or its grant, was revoked (at the revocation endpoint, or by a refresh token's reuse). */
  #revoked(claims: AccessTokenClaims): Promise<boolean> {
    return this.#reads.revoked(claims.tokenId, () => this.#store.oauthRevocations.anyRevoked(revocationIdsOf(claims), this.#now()));
  }

  /** Whether `username` names an enabled user: whom the authorization server may still issue tokens to. */
  async isActive(username: string): Promise<boolean> {
    const user = await this.#store.users.find(username);
    return user !== undefined && !user.disabled;
  }

  /**
   * The caller `username` would be in `tenant` (roles and permissions held there), or `undefined` when the user
   * is unknown, disabled, or may not act in that tenant. For acting in several tenants in one request.
   */
  async callerIn(username: string, tenant: string): Promise<Caller | undefined> {
    await this.#generations.refresh();
    const user = await this.#reads.user(username);
    if (user === undefined || user.disabled) return undefined;
    const outcome = await this.#callerIn(user, tenant);
    return outcome.kind === 'authenticated' ? outcome.caller : undefined;
  }

  /**
   * The roles `caller` holds in the tenant they act in, read now as every request reads them: what
   * `accounts/{id}/accountroles` answers. None when the user has since lost that tenant.
   */
  async rolesHeld(caller: Pick<Caller, 'tenant' | 'user'>): Promise<RoleRecord[]> {
    const user = await this.#store.users.find(caller.user);
    const membership = user?.memberships.find((candidate) => candidate.tenant === caller.tenant);
    return membership === undefined ? [] : this.#store.roles.getMany(caller.tenant, membership.roles);
  }

  async #passwordMatches(user: UserRecord | undefined, username: string, password: string): Promise<boolean> {
    if (user === undefined) {
      // Spend the same work as for a real user, and fail.
      this.#decoy ??= hashSecret(randomBytes(16).toString('base64url'));
      await verifySecret(password, await this.#decoy);
      return false;
    }
    return this.#secretMatches(`user:${username}`, password, user.passwordHash);
  }

  async #secretMatches(subject: string, secret: string, storedHash: string): Promise<boolean> {
    return this.#cache.has(subject, secret, storedHash) || this.#verify(subject, secret, storedHash);
  }

  /** The scrypt check, remembered in the verification cache when it succeeds. */
  async #verify(subject: string, secret: string, storedHash: string): Promise<boolean> {
    const matches = await verifySecret(secret, storedHash);
    if (matches) this.#cache.remember(subject, secret, storedHash);
    return matches;
  }

  /** The caller `user` is in `tenant`, with the roles they hold there, if they may act in it. */
  async #callerIn(user: UserRecord, tenant: string): Promise<AuthOutcome> {
    const membership = user.memberships.find((candidate) => candidate.tenant === tenant);
    if (membership === undefined) return { kind: 'tenant-refused', tenant };
    // Kept while the store's auth generation stays put (see AuthReads): a disabled tenant or a changed role
    // moves it on, so either takes effect at the next request in every process.
    const caller = await this.#reads.caller(user, tenant, () => this.#readCaller(user, membership));
    return caller === undefined ? { kind: 'tenant-refused', tenant } : { kind: 'authenticated', caller };
  }

  /** The caller `user` is through `membership`, or `undefined` when its tenant is gone or disabled. */
  async #readCaller(user: UserRecord, membership: Membership): Promise<Caller | undefined> {
    // The two reads are independent, so they overlap.
    const [tenantRecord, roles] = await Promise.all([
      this.#store.tenants.get(membership.tenant),
      this.#store.roles.getMany(membership.tenant, membership.roles),
    ]);
    if (tenantRecord === undefined || tenantRecord.disabled) return undefined;
    return {
      tenant: membership.tenant,
      user: user.username,
      roles: roles.map((role) => role.displayName),
      permissions: mergePermissions(roles),
      tenants: user.memberships.map((candidate) => candidate.tenant as TenantId),
    };
  }
}
