/**
 * Client registrations besides `cspace-ui`, from `OAUTH_CLIENTS_FILE`: a JSON array of OAuth client metadata
 * (RFC 7591 names: `client_id`, `client_secret`, `redirect_uris`, `grant_types`, `token_endpoint_auth_method`, …),
 * for instance a confidential client for a server-side tool that logs in with cspace-client and a `clientSecret`.
 * This module checks the file's shape; oidc-provider checks each registration's metadata when the server starts
 * (`checkClients` in oauthProvider.ts).
 */
import { readFile } from 'node:fs/promises';
import type { ClientMetadata } from 'oidc-provider';
import { OAuthSettingsError } from './oauthSettingsError.js';

/**
 * The registrations in `file`, each with its own `client_id`, none of them one of `reserved`'s (client ids the
 * service registers otherwise, each with where from).
 */
export async function loadOAuthClients(file: string, reserved: Readonly<Record<string, string>>): Promise<ClientMetadata[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new OAuthSettingsError(`OAUTH_CLIENTS_FILE ${file} is not a readable JSON file`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new OAuthSettingsError(`OAUTH_CLIENTS_FILE ${file} must hold a JSON array of client registrations`);
  const seen = new Set<string>(Object.keys(reserved));
  return parsed.map((entry: unknown, index) => {
    const clientId = (entry as { client_id?: unknown } | null)?.client_id;
    if (typeof entry !== 'object' || entry === null || typeof clientId !== 'string' || clientId === '') {
      throw new OAuthSettingsError(`OAUTH_CLIENTS_FILE ${file}: entry ${index} must be an object with a client_id`);
    }
    if (seen.has(clientId)) {
      const why = Object.hasOwn(reserved, clientId) ? reserved[clientId] : 'twice';
      throw new OAuthSettingsError(`OAUTH_CLIENTS_FILE ${file}: client '${clientId}' is registered ${why}`);
    }
    seen.add(clientId);
    return entry as ClientMetadata;
  });
}
