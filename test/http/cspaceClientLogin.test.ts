/**
 * CollectionSpace's own client library, unchanged: `cspace-client` logs in as cspace-ui does (authorization code
 * with PKCE, the sign-in page driven in a real Chromium), then reads its account, rights, roles and the
 * procedures' service tags as cspace-ui does after login, lists the batch jobs for a CollectionObject, invokes one
 * in single and in list mode, reads the record it created, refreshes its token when the access token has expired,
 * and shows a definition's error message, all with the JWT access token as Bearer.
 *
 * The user belongs to tenant museum-b only: the token carries just the username (`sub`), and every request acts
 * in the user's tenant, as in CollectionSpace.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createRecord, definitionFor, JSON_TYPE, readRecord } from '../support/api.js';
import { chromiumMissing, launchChromium } from '../support/browser.js';
import { cspaceClient, type CspaceError, type CspaceSession } from '../support/cspaceClient.js';
import { capturedLogs, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { createTenant, createUser, listItems } from '../security/support.js';

/** Where cspace-ui's `/authorized` page stands, served by `startUi`. */
const UI_PATH = '/cspace/museum-b/authorized';
const USER = 'cataloguer';
const PASSWORD = `${USER}-password`;
const INVOCABLE_NS = 'http://collectionspace.org/services/common/invocable';
/** Short, so the test sees the access token expire and the client refresh it. */
const ACCESS_TOKEN_TTL_SECONDS = 3;
const ISSUER = 'http://cspace.test/cspace-services/oauth2';

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** A stand-in for cspace-ui's `/authorized` page, which the browser is sent back to with the code; remembers each visit. */
async function startUi(): Promise<{ redirectUri: string; visits: URL[]; close: () => Promise<void> }> {
  const visits: URL[] = [];
  const server = createServer((req, res) => {
    visits.push(new URL(req.url ?? '/', 'http://ui'));
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>cspace-ui</p>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}${UI_PATH}`,
    visits,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** What cspace-ui does before handing the code to cspace-client: PKCE, then the browser through sign-in. */
async function signIn(page: Page, service: TestService, ui: { redirectUri: string; visits: URL[] }): Promise<{ authCode: string; codeVerifier: string }> {
  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomUUID();
  const authorize = new URL('/cspace-services/oauth2/authorize', service.url);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'cspace-ui',
    scope: 'cspace.full',
    redirect_uri: ui.redirectUri,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
  }).toString();
  await page.goto(authorize.href);
  expect(new URL(page.url()).pathname).to.match(/^\/cspace-services\/oauth2\/login\//);

  await page.fill('#username', USER);
  await page.fill('#password', 'not-the-password');
  await page.click('button[type=submit]');
  expect(await page.textContent('[role=alert]')).to.equal('Wrong username or password.');
  expect(await page.inputValue('#username')).to.equal(USER);

  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${new URL(ui.redirectUri).origin}/**`), page.click('button[type=submit]')]);
  // The browser may ask for a favicon too; the page itself is visited once.
  const pageVisits = ui.visits.filter((visit) => visit.pathname === UI_PATH);
  expect(pageVisits).to.have.length(1);
  const redirected = pageVisits[0];
  expect(redirected?.searchParams.get('state')).to.equal(state);
  const authCode = redirected?.searchParams.get('code');
  expect(authCode).to.be.a('string').and.not.equal('');
  return { authCode: authCode as string, codeVerifier };
}

function invocationContext(context: Record<string, unknown>) {
  return { data: { 'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NS, ...context } } };
}

describe('cspace-client logs in through OAuth and runs batch jobs', function () {
  this.timeout(180_000);
  let service: TestService | undefined;
  let browser: Browser | undefined;
  let ui: Awaited<ReturnType<typeof startUi>> | undefined;
  let inB: TestService;
  let session: CspaceSession;
  let firstAccessToken: string;
  const logs = capturedLogs('info');

  before(async function () {
    const missing = chromiumMissing();
    if (missing !== undefined) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    ui = await startUi();
    service = await startTestService(
      { oauthIssuer: ISSUER, oauthRedirectUris: [ui.redirectUri], oauthAccessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS },
      logs.logger,
    );
    inB = await createTenant(service);
    await createUser(inB, USER, ['TENANT_ADMINISTRATOR']);
    browser = await launchChromium();
    const page = await browser.newPage();
    const { authCode, codeVerifier } = await signIn(page, service, ui);
    session = cspaceClient({ url: service.url }).session({ authCode, codeVerifier, redirectUri: ui.redirectUri });
    const login = await session.login();
    firstAccessToken = login.data.access_token;
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
    await ui?.close();
  });

  it('keeps the username from the access token, whose sub it is', () => {
    expect(session.username()).to.equal(USER);
    const claims = JSON.parse(Buffer.from(firstAccessToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims).to.include({ sub: USER, iss: ISSUER, aud: 'urn:invocables:cspace-services', scope: 'cspace.full' });
  });

  it('reads its account and rights at accounts/0/accountperms, as cspace-ui does right after login', async () => {
    // cspace-ui checks the tenant id against its own, takes the username from userId, and shows a record's batch
    // panel with L on batch/invoke, its run button with C.
    const res = await session.read('accounts/0/accountperms');
    expect(res.status).to.equal(200);
    const accountPermission = res.data['ns2:account_permission'];
    expect(accountPermission.account).to.deep.equal({ accountId: USER, screenName: USER, userId: USER, tenantId: 'museum-b' });
    expect(asArray(accountPermission.permission)).to.deep.include({
      permissionId: 'museum-b-batch_invoke-CRL',
      resourceName: 'batch/invoke',
      actionGroup: 'CRL',
    });
  });

  it('reads its roles at accounts/{accountId}/accountroles, the id taken from accountperms, as cspace-ui does next', async () => {
    const perms = await session.read('accounts/0/accountperms');
    const { accountId } = perms.data['ns2:account_permission'].account;
    const res = await session.read(`accounts/${accountId}/accountroles`);
    expect(res.status).to.equal(200);
    const accountRole = res.data['ns2:account_role'];
    expect(accountRole.account).to.deep.equal({ accountId: USER, screenName: USER, userId: USER, tenantId: 'museum-b' });
    // cspace-ui keeps each role's roleName for the record forms' per-role settings.
    expect(asArray(accountRole.role).map((role: any) => role.roleName)).to.deep.equal(['TENANT_ADMINISTRATOR']);
  });

  it('reads the procedures\' service tags at servicegroups/procedure/tags, the last step of cspace-ui\'s login', async () => {
    // cspace-ui then reads servicegroups/procedure?servicetag= for each listed tag; there is none here.
    const res = await session.read('servicegroups/procedure/tags');
    expect(res.status).to.equal(200);
    const list = res.data['ns2:abstract-common-list'];
    expect(list.totalItems).to.equal('0');
    expect(list['list-item']).to.equal(undefined);
  });

  it("lists the jobs for a CollectionObject in the user's tenant, as cspace-ui does", async () => {
    // cspace-ui's record panel: jobs for this record type that run on one record, by name, not deleted.
    const res = await session.read('batch', {
      params: {
        as: '(batch_common:forDocTypes/* = "CollectionObject" AND batch_common:supportsSingleDoc = 1)',
        sortBy: 'batch_common:name',
        pgSz: 20,
        wf_deleted: false,
      },
    });
    expect(res.status).to.equal(200);
    const listed = asArray(res.data['ns2:abstract-common-list']['list-item']).map((item: any) => item.csid).sort();
    const expected = (await listItems(inB, '/cspace-services/batch?doctype=CollectionObject&mode=single&pgSz=0'))
      .map((item) => item.csid)
      .sort();
    expect(listed).to.have.length.greaterThan(0);
    expect(listed).to.deep.equal(expected);
  });

  it('invokes a job in single and in list mode, and reads the record it created', async () => {
    const job = await definitionFor(inB, 'create-and-link-loan-out');
    const [first, second] = [
      await createRecord(inB, 'CollectionObject', { objectNumber: '2026.1.1' }),
      await createRecord(inB, 'CollectionObject', { objectNumber: '2026.1.2' }),
    ];
    const single = await session.create(
      `batch/${job}/invoke`,
      invocationContext({ mode: 'single', docType: 'CollectionObject', singleCSID: first }),
    );
    expect(single.status).to.equal(200);
    const singleResults = single.data['ns2:invocationResults'];
    expect(String(singleResults.numAffected)).to.equal('1');

    const list = await session.create(
      `batch/${job}/invoke`,
      invocationContext({ mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: [first, second] } }),
    );
    expect(list.status).to.equal(200);
    expect(String(list.data['ns2:invocationResults'].numAffected)).to.equal('2');

    const created = await session.read(`records/Loanout/${singleResults.primaryURICreated}`, { headers: { Accept: JSON_TYPE } });
    expect(created.status).to.equal(200);
    expect(created.data.document.loanOutNumber).to.match(/^NewLoan-/);
    expect((await readRecord(inB, 'Loanout', singleResults.primaryURICreated)).loanOutNumber).to.equal(created.data.document.loanOutNumber);
  });

  it("shows a definition's error message", async () => {
    const job = await definitionFor(inB, 'update-inventory-status');
    const error: CspaceError = await session
      .create(`batch/${job}/invoke`, invocationContext({ mode: 'single', docType: 'CollectionObject', singleCSID: randomUUID() }))
      .then(
        () => expect.fail('a list-only job invoked in single mode'),
        (rejection: CspaceError) => rejection,
      );
    expect(error.response?.status).to.equal(400);
    const body = typeof error.response?.data === 'string' ? error.response.data : JSON.stringify(error.response?.data);
    expect(body).to.contain(`CSID='${job}' does not support the invocation mode 'single'`);
  });

  it('refreshes its token once the access token has expired, and goes on', async () => {
    const asFirstToken = () =>
      fetch(new URL('/cspace-services/batch', service?.url), { headers: { Authorization: `Bearer ${firstAccessToken}` } });
    await waitFor('the first access token to expire', async () => ((await asFirstToken()).status === 401 ? true : undefined), {
      timeoutMs: (ACCESS_TOKEN_TTL_SECONDS + 10) * 1000,
      intervalMs: 250,
    });
    const res = await session.read('batch', { params: { doctype: 'CollectionObject' } });
    expect(res.status).to.equal(200);
    const tokenAnswers = logs.lines().filter((line) => line.path === '/cspace-services/oauth2/token' && line.status === 200);
    expect(tokenAnswers.length, 'the login and at least one refresh').to.be.at.least(2);
  });
});
