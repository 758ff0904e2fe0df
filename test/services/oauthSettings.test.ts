/**
 * The authorization server's settings and keys: what the environment may say (and the one-line refusals of what
 * it may not), and the keys file created on first start, reused after, refused when broken.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loadOAuthClients } from '../../src/services/oauth/oauthClients.js';
import { loadOAuthKeys } from '../../src/services/oauth/oauthKeys.js';
import { OAuthSettingsError } from '../../src/services/oauth/oauthSettingsError.js';
import { tempDir } from '../support/testService.js';

describe('OAuth settings', () => {
  it("defaults to CollectionSpace's UI redirect and an issuer on this port", () => {
    const config = loadConfig({ PORT: '8181' });
    expect(config.oauthIssuer).to.equal('http://localhost:8181/cspace-services/oauth2');
    expect(config.oauthRedirectUris).to.deep.equal(['http://localhost:8180/cspace/core/authorized']);
    expect(config.oauthKeysFile).to.equal(undefined);
    expect(config.resultLinkKeyFile).to.equal(undefined);
    expect(loadConfig({ RESULT_LINK_KEY_FILE: 'secrets/links.key' }).resultLinkKeyFile).to.equal(path.resolve('secrets/links.key'));
  });

  it('reads several redirect URIs and an issuer, and refuses what is no http(s) URL', () => {
    const config = loadConfig({
      OAUTH_ISSUER: 'https://museum.example/cspace-services/oauth2/',
      OAUTH_REDIRECT_URIS: 'https://museum.example/cspace/core/authorized, https://museum.example/cspace/lhmc/authorized',
    });
    expect(config.oauthIssuer).to.equal('https://museum.example/cspace-services/oauth2');
    expect(config.oauthRedirectUris).to.have.length(2);
    expect(() => loadConfig({ OAUTH_REDIRECT_URIS: 'https://ok.example/a, /relative' })).to.throw(ConfigError, "got '/relative'");
    expect(() => loadConfig({ OAUTH_ISSUER: 'ftp://museum.example' })).to.throw(ConfigError, 'OAUTH_ISSUER');
    expect(() => loadConfig({ OAUTH_ACCESS_TOKEN_TTL_SECONDS: '0' })).to.throw(ConfigError, 'OAUTH_ACCESS_TOKEN_TTL_SECONDS');
  });
});

describe('OAuth keys file', () => {
  it('is created readable by its owner only, then read back unchanged', async () => {
    const { dir, cleanup } = await tempDir('invocables-oauth-keys-');
    try {
      const file = path.join(dir, 'oauth-keys.json');
      const created = await loadOAuthKeys(file);
      expect(created.keys[0]).to.include({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect(await loadOAuthKeys(file)).to.deep.equal(created);
    } finally {
      await cleanup();
    }
  });

  it('is created once when several starts race for it: every one gets the same keys, no file is left aside', async () => {
    const { dir, cleanup } = await tempDir('invocables-oauth-keys-');
    try {
      const file = path.join(dir, 'oauth-keys.json');
      const loaded = await Promise.all(Array.from({ length: 5 }, () => loadOAuthKeys(file)));
      for (const keys of loaded) expect(keys).to.deep.equal(loaded[0]);
      expect(await readdir(dir)).to.deep.equal(['oauth-keys.json']);
    } finally {
      await cleanup();
    }
  });

  it('refuses a file that holds no private key, naming the file', async () => {
    const { dir, cleanup } = await tempDir('invocables-oauth-keys-');
    try {
      const file = path.join(dir, 'oauth-keys.json');
      await writeFile(file, JSON.stringify({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }], cookieKeys: ['0123456789abcdef'] }));
      await loadOAuthKeys(file).then(
        () => expect.fail('a public key was taken for a signing key'),
        (error: unknown) => {
          expect(error).to.be.instanceOf(OAuthSettingsError);
          expect((error as Error).message).to.contain(file);
        },
      );
    } finally {
      await cleanup();
    }
  });
});

describe('OAuth clients file', () => {
  async function refusal(content: string): Promise<string> {
    const { dir, cleanup } = await tempDir('invocables-oauth-clients-');
    try {
      const file = path.join(dir, 'clients.json');
      await writeFile(file, content);
      return await loadOAuthClients(file, { 'cspace-ui': 'from OAUTH_REDIRECT_URIS', 'invocables-console': 'for the web console' }).then(
        () => expect.fail(`accepted ${content}`),
        (error: unknown) => {
          expect(error).to.be.instanceOf(OAuthSettingsError);
          return (error as Error).message.replace(file, 'FILE');
        },
      );
    } finally {
      await cleanup();
    }
  }

  it('refuses what is no list of registrations with their own client ids, saying which', async () => {
    expect(await refusal('{"client_id": "a"}')).to.equal('OAUTH_CLIENTS_FILE FILE must hold a JSON array of client registrations');
    expect(await refusal('[{"redirect_uris": []}]')).to.equal('OAUTH_CLIENTS_FILE FILE: entry 0 must be an object with a client_id');
    expect(await refusal('[{"client_id": "cspace-ui"}]')).to.equal("OAUTH_CLIENTS_FILE FILE: client 'cspace-ui' is registered from OAUTH_REDIRECT_URIS");
    expect(await refusal('[{"client_id": "invocables-console"}]')).to.equal("OAUTH_CLIENTS_FILE FILE: client 'invocables-console' is registered for the web console");
    expect(await refusal('[{"client_id": "a"}, {"client_id": "a"}]')).to.equal("OAUTH_CLIENTS_FILE FILE: client 'a' is registered twice");
    expect(await refusal('[')).to.equal('OAUTH_CLIENTS_FILE FILE is not a readable JSON file');
  });
});
