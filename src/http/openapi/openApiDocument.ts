/**
 * The OpenAPI 3.1 description of what this service serves, built once per app from the same parts the routes are
 * built with: the codecs' JSON Schemas and list fields, the error status table, the media types, and the features the
 * app was started with (an absent feature's routes are not described, as they are not served).
 */
import packageJson from '../../../package.json' with { type: 'json' };
import type { UploadLimits } from '../multipartUploads.js';
import type { Method, OpenApiObject, Paths } from './operation.js';
import { hoistNamedSchemas } from './namedSchemas.js';
import { PARAMETERS } from './parameters.js';
import { accountPaths } from './paths/accountPaths.js';
import { adminPaths } from './paths/adminPaths.js';
import { definitionPaths } from './paths/definitionPaths.js';
import { documentItemPaths } from './paths/documentItemPaths.js';
import { invocationPaths } from './paths/invocationPaths.js';
import { servicePaths } from './paths/servicePaths.js';
import { recordPaths } from './paths/recordPaths.js';
import { runPaths } from './paths/runPaths.js';
import { errorResponses, HEADERS } from './responses.js';
import { componentSchemas } from './schemas.js';
import { securityRequirements, securitySchemes } from './security.js';

export interface DescribedFeatures {
  /** Where the web console is served (it signs in through the authorization server); absent, it is not. */
  consolePath?: string;
  schedules: boolean;
  resultLinks: boolean;
  multiTenant: boolean;
  /** What a file upload (`POST /runs/{id}/documents`) may carry. */
  uploadLimits: UploadLimits;
  /** Where the authorization server is mounted; absent, it is not served. */
  oauthPath?: string;
  /** Where the Agenda dashboard is served; absent, it is not. */
  agendashPath?: string;
}

/** Paths of several modules, one path's methods merged. @throws Error when two modules describe one operation */
function mergePaths(...groups: Paths[]): Paths {
  const merged: Paths = {};
  for (const group of groups) {
    for (const [path, operations] of Object.entries(group)) {
      const methods = (merged[path] ??= {});
      for (const [method, described] of Object.entries(operations) as Array<[Method, OpenApiObject]>) {
        if (methods[method] !== undefined) throw new Error(`${method.toUpperCase()} ${path} is described twice`);
        methods[method] = described;
      }
    }
  }
  return merged;
}

/** @param root the service root the API is served under, `/cspace-services` */
export function buildOpenApiDocument(root: string, features: DescribedFeatures): OpenApiObject {
  const security = securityRequirements(features);
  const schemas = componentSchemas();
  const paths = hoistNamedSchemas(
    mergePaths(
      servicePaths(root, features),
      definitionPaths(root),
      invocationPaths(root, features),
      runPaths(root, features.resultLinks, security),
      recordPaths(root),
      documentItemPaths(root, features.uploadLimits),
      accountPaths(root),
      adminPaths(root),
    ),
    schemas,
  );
  return {
    openapi: '3.1.1',
    info: {
      title: 'Invocables',
      version: packageJson.version,
      summary: 'Batch jobs as CollectionSpace runs them: definitions, invocations, background runs, schedules, records.',
      description:
        'Requests are XML (`application/xml`, the default, or `text/xml`) or JSON (`application/json`, CollectionSpace\'s mapping: attributes as `@name`, text beside attributes as `.`, a repeated element as an array, a lone one bare); answers follow `Accept` (XML when it says nothing), every value as text. XML bodies are described by the same trees as JSON. Errors are `error` documents, or `text/plain` for clients that list it in `Accept`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    security,
    tags: ['Batch job definitions', 'Invocation', 'Runs', 'Schedules', 'Result links', 'Workflow', 'Records', 'Relations', 'Accounts', 'Administration', 'OAuth', 'Service'].map(
      (name) => ({ name }),
    ),
    paths,
    components: {
      schemas,
      parameters: PARAMETERS,
      responses: errorResponses(),
      headers: HEADERS,
      securitySchemes: securitySchemes(features),
    },
  };
}
