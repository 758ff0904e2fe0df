/**
 * Where the OAuth authorization server (oidc-provider) keeps what it must remember between requests and across
 * restarts: sign-in interactions, sessions, grants, authorization codes and refresh tokens. Each engine keeps it
 * where every process of an installation reads it: SQLite in `DATA_DIR/oauth.sqlite`, MongoDB in the store's
 * database, so that processes on several machines share sign-ins and refresh tokens as they share runs.
 */
import type { Adapter } from 'oidc-provider';

export interface OAuthStateStore {
  /** The oidc-provider adapter for one model (`Session`, `Grant`, `AuthorizationCode`, `RefreshToken`, …). */
  adapterFor(model: string): Adapter;
}
