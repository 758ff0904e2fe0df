/**
 * The published `cspace-client` package (CollectionSpace's own client library, used by cspace-ui), loaded
 * unchanged, with the few types these tests use. It ships CommonJS with a Babel `default` export.
 */
import { createRequire } from 'node:module';

export interface CspaceResponse {
  status: number;
  headers: Record<string, string>;
  data: any;
}

/** What cspace-api rejects with: axios's error reduced to these fields. */
export interface CspaceError {
  message: string;
  response?: CspaceResponse;
}

interface RequestConfig {
  params?: Record<string, unknown>;
  data?: unknown;
  headers?: Record<string, string>;
}

export interface CspaceSession {
  login(): Promise<CspaceResponse>;
  username(): string | null;
  create(resource: string, config?: RequestConfig): Promise<CspaceResponse>;
  read(resource: string, config?: RequestConfig): Promise<CspaceResponse>;
}

interface CspaceClient {
  session(config: { authCode: string; codeVerifier: string; redirectUri: string }): CspaceSession;
}

const require = createRequire(import.meta.url);
const { default: cspaceClient } = require('cspace-client') as { default: (config: { url: string }) => CspaceClient };

export { cspaceClient };
