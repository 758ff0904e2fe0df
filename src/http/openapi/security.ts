/**
 * The ways in (README "Security"): HTTP Basic, bearer tokens (API tokens and OAuth access tokens alike), and the
 * OAuth 2 authorization code flow with PKCE when the service runs its authorization server.
 */
import { CSPACE_SCOPE, OAUTH_ROUTES } from '../../services/oauth/oauthProvider.js';
import type { OpenApiObject } from './operation.js';

export interface SecurityOptions {
  /** Where the authorization server is mounted, e.g. `/cspace-services/oauth2`; absent, it is not served. */
  oauthPath?: string;
}

export function securitySchemes({ oauthPath }: SecurityOptions): Record<string, OpenApiObject> {
  return {
    basic: { type: 'http', scheme: 'basic', description: "A user's name and password, as CollectionSpace clients send them." },
    bearer: {
      type: 'http',
      scheme: 'bearer',
      description: 'An API token (`inv1.…`, from `POST /cspace-services/admin/tokens`) or an OAuth access token (a JWT).',
    },
    ...(oauthPath !== undefined && {
      oauth2: {
        type: 'oauth2',
        description: 'Authorization code with PKCE (S256), signing in on the service\'s own page, as cspace-ui does.',
        flows: {
          authorizationCode: {
            authorizationUrl: `${oauthPath}${OAUTH_ROUTES.authorization}`,
            tokenUrl: `${oauthPath}${OAUTH_ROUTES.token}`,
            refreshUrl: `${oauthPath}${OAUTH_ROUTES.token}`,
            scopes: { [CSPACE_SCOPE]: 'The whole API, as the signed-in user.' },
          },
        },
      },
    }),
  };
}

/** Any one of the schemes is enough. */
export function securityRequirements({ oauthPath }: SecurityOptions): OpenApiObject[] {
  return [{ basic: [] }, { bearer: [] }, ...(oauthPath !== undefined ? [{ oauth2: [CSPACE_SCOPE] }] : [])];
}
