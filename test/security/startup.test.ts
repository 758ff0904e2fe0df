/**
 * Settings the service refuses at start-up are the operator's to fix: one line saying which and why, exit code 2,
 * no stack trace, nothing listening, and nothing written: every setting is checked before the data directory is
 * touched.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { REPO_ROOT } from '../support/testService.js';

/** Runs the service on a DATA_DIR that does not exist yet; answers whether it was created. */
async function start(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; dataDirCreated: boolean }> {
  const sandbox = await mkdtemp(path.join(os.tmpdir(), 'invocables-startup-'));
  const dataDir = path.join(sandbox, 'data');
  // With MONGODB_URI set, a database of its own: some settings are only refused once the store is open.
  const mongodbUri = ownMongoUri('inv_startup');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MONGODB_URI: mongodbUri, PORT: '0', DATA_DIR: dataDir, WATCH_PLUGINS: 'false', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stderr, dataDirCreated: existsSync(dataDir) };
  } finally {
    await rm(sandbox, { recursive: true, force: true });
    if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
  }
}

describe('security: start-up refusals', function () {
  this.timeout(30_000);

  it('refuses a too short ADMIN_PASSWORD in one line, with exit code 2 and no stack trace', async () => {
    const { code, stderr, dataDirCreated } = await start({ ADMIN_PASSWORD: 'short' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim()).to.equal('invocables: ADMIN_PASSWORD must be 8 to 1024 characters long');
  });

  it('refuses an ADMIN_USER that is no valid username', async () => {
    const { code, stderr, dataDirCreated } = await start({ ADMIN_USER: 'admin user' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim()).to.match(/^invocables: ADMIN_USER must be 1-128 letters/);
  });

  it('refuses a HOST that is neither an address nor a host name', async () => {
    const { code, stderr, dataDirCreated } = await start({ HOST: 'http://example.org' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim()).to.equal("invocables: HOST must be an IP address or a host name such as 127.0.0.1, :: or localhost, got 'http://example.org'");
  });

  it('refuses a MONGODB_URI the driver cannot parse, without quoting it (it may hold a password)', async () => {
    const { code, stderr, dataDirCreated } = await start({ MONGODB_URI: 'mongodb://user:secret@db.example:99999/x' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim().split('\n')).to.have.lengthOf(1);
    expect(stderr).to.match(/^invocables: MONGODB_URI is not a MongoDB connection string: /);
    expect(stderr).to.not.contain('secret');
  });

  it('refuses a PORT another process listens on, in one line', async () => {
    // Only found out by listening, so after the store was opened: the data directory may exist, the process exits.
    const taken = createServer().listen(0);
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stderr } = await start({ PORT: String(port) });
      expect(code).to.equal(2);
      expect(stderr.trim()).to.equal(`invocables: cannot listen on all interfaces port ${port}: EADDRINUSE`);
    } finally {
      taken.close();
    }
  });

  it('refuses a malformed setting the same way', async () => {
    const { code, stderr, dataDirCreated } = await start({ PORT: 'eighty' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim().split('\n')).to.have.lengthOf(1);
    expect(stderr).to.match(/^invocables: PORT /);
  });

  it('refuses TRUST_PROXY=true, which would let every client name its own address, and says what to set instead', async () => {
    const { code, stderr, dataDirCreated } = await start({ TRUST_PROXY: 'true' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim().split('\n')).to.have.lengthOf(1);
    expect(stderr).to.match(/^invocables: TRUST_PROXY=true .*number of proxies.*addresses\/subnets/);
  });

  it('refuses a TRUST_PROXY that names no proxy in one line, not with a stack trace', async () => {
    const { code, stderr, dataDirCreated } = await start({ TRUST_PROXY: 'loopback, my-proxy' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim()).to.equal(
      "invocables: TRUST_PROXY must be false, a number of proxies, or proxy addresses/subnets (loopback, 10.0.0.0/8, ...), got 'my-proxy'",
    );
  });

  it('refuses an OAuth keys file it cannot use in one line naming the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-startup-keys-'));
    try {
      const file = path.join(dir, 'oauth-keys.json');
      await writeFile(file, 'not json');
      const { code, stderr, dataDirCreated } = await start({ OAUTH_KEYS_FILE: file });
      expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
      expect(stderr.trim()).to.equal(`invocables: ${file} is not valid JSON`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an OAuth redirect URI that is no absolute URL', async () => {
    const { code, stderr, dataDirCreated } = await start({ OAUTH_REDIRECT_URIS: '/cspace/core/authorized' });
    expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
    expect(stderr.trim()).to.equal(
      "invocables: OAUTH_REDIRECT_URIS must be comma-separated http(s) URLs without fragment, got '/cspace/core/authorized'",
    );
  });

  it('refuses an OAuth client registration oidc-provider cannot use, naming the client and why', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-startup-clients-'));
    try {
      const file = path.join(dir, 'clients.json');
      // A confidential client (the default authentication method) without its secret.
      await writeFile(file, JSON.stringify([{ client_id: 'tool', redirect_uris: ['https://tool.example/cb'] }]));
      const { code, stderr, dataDirCreated } = await start({ OAUTH_CLIENTS_FILE: file });
      expect(code).to.equal(2);
    expect(dataDirCreated, 'DATA_DIR created before the setting was refused').to.equal(false);
      expect(stderr.trim()).to.equal("invocables: OAuth client 'tool' cannot be registered: client_secret is mandatory property");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
