/**
 * The web console driven in a real Chromium as a registrar would: sign in on the OAuth sign-in page (the console
 * sends the browser there, then calls the API with its Bearer token), create a definition
 * (its validation shown at the field first), invoke it over 2,000 records in the background, watch the run's
 * progress bar reach 100 %, open a failed item's error, rerun the failed items once their records are fixed, and
 * switch to a second tenant, which sees none of it; then sign out, and find its tokens refused (refresh and access),
 * or the sign-in page again. Screenshots of the main pages go to test-output/console/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createDefinition, createObjects, getJson, JSON_TYPE, runReaching } from '../../support/api.js';
import { chromiumMissing, launchChromium } from '../../support/browser.js';
import { RunGate } from '../../support/runGate.js';
import { pluginsDirWith, REPO_ROOT, startTestService, TEST_ADMIN, type TestService } from '../../support/testService.js';
import { addMembership, createRole, createTenant, createUser, TENANT_B } from '../../security/support.js';
import { tokenRequest } from '../../support/oauthFlow.js';

const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'console');
const RECORDS = 2000;
/** Every 400th record refuses to be processed (test.FlakyItems fails records whose `fail` is "yes"). */
const failing = (i: number) => i % 400 === 7;
const DEFINITION_NAME = 'Touch every object';
/** Where the console keeps this tab's tokens (console/auth.js). */
const TOKENS_KEY = 'invocables.console.tokens';
const SIGN_IN_PAGE = /\/cspace-services\/oauth2\/login\//;

interface StoredTokens {
  access: string;
  refresh: string;
  expiresAt: number;
}

/** A page's Web Storage, typed here where the DOM library is not loaded. */
interface PageStorage {
  length: number;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}
type PageStorages = { sessionStorage: PageStorage; localStorage: PageStorage };

/** The tokens the console keeps in `page`'s sessionStorage, or null. */
function storedTokens(page: Page): Promise<StoredTokens | null> {
  return page.evaluate((key) => JSON.parse((globalThis as unknown as PageStorages).sessionStorage.getItem(key) ?? 'null') as StoredTokens | null, TOKENS_KEY);
}

/** Replaces the tokens the console keeps in `page`'s sessionStorage. */
function storeTokens(page: Page, tokens: StoredTokens): Promise<void> {
  return page.evaluate(([key, value]) => (globalThis as unknown as PageStorages).sessionStorage.setItem(key, value), [TOKENS_KEY, JSON.stringify(tokens)] as const);
}

/** Fills the sign-in page the console sent `page` to, and waits for the console's view `view` to show. */
async function signInOn(page: Page, user: { username: string; password: string }, view: string): Promise<void> {
  await page.waitForURL(SIGN_IN_PAGE);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForSelector(`main[data-view="${view}"]`);
  expect(new URL(page.url()).search, 'the code is no longer in the address').to.equal('');
}

describe('the web console in a browser', function () {
  this.timeout(300_000);
  // Each step continues from where the last left the page.
  this.bail(true);
  let service: TestService | undefined;
  let plugins: { cleanup: () => Promise<void> } | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let csids: string[];
  let runId: string;
  let gate: RunGate | undefined;
  /** The service as the administrator acting in the second tenant. */
  let inB: TestService;

  const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  /** The run's progress bar value, once the run page shows it. */
  const progressValue = () => page.locator('progress').first().evaluate((bar) => (bar as unknown as { value: number }).value);

  before(async function () {
    const missing = chromiumMissing();
    if (missing !== undefined) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const dir = await pluginsDirWith(
      path.join(REPO_ROOT, 'test/fixtures/plugins/invocation'),
      path.join(REPO_ROOT, 'test/fixtures/plugins/runs'),
      path.join(REPO_ROOT, 'test/fixtures/plugins/console'),
    );
    plugins = dir;
    service = await startTestService({ pluginsDir: dir.dir });
    inB = await createTenant(service);
    csids = await createObjects(service, RECORDS, (i) => ({ fail: failing(i) ? 'yes' : undefined }));
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  after(async () => {
    gate?.close();
    await browser?.close();
    await service?.stop();
    await plugins?.cleanup();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && browser !== undefined) await screenshot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  it('opens at the service root on the sign-in page, signs in there, and lists plugins from /health', async () => {
    await page.goto(service!.url);
    await page.waitForURL(SIGN_IN_PAGE);
    await screenshot('sign-in');
    await page.fill('#username', TEST_ADMIN.username);
    await page.fill('#password', 'not-the-password');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).to.equal('Wrong username or password.');
    await signInOn(page, TEST_ADMIN, '#/runs');
    expect(new URL(page.url()).pathname).to.equal('/cspace-services/console/');
    expect(await page.locator('header .user').textContent()).to.equal(TEST_ADMIN.username);
    expect(await page.locator('#sign-out').isVisible()).to.equal(true);
    const tokens = await storedTokens(page);
    expect(tokens?.access).to.match(/^eyJ/);
    expect(await page.evaluate(() => (globalThis as unknown as PageStorages).localStorage.length), 'nothing in localStorage').to.equal(0);
    await page.click('nav >> text=Plugins');
    await page.waitForSelector('#plugin-health');
    const health = (await (await fetch(new URL('/health', service!.url))).json()) as { plugins: { loaded: number } };
    expect(await page.textContent('#plugin-health')).to.include(`${health.plugins.loaded} loaded, 0 failed`);
    expect(await page.textContent('main')).to.include('test.FlakyItems');
    await screenshot('plugins');
  });

  it('creates and edits a definition, showing the validation messages at the field', async () => {
    await page.click('nav >> text=Definitions');
    await page.click('text=New definition');
    await page.selectOption('#className', 'test.FlakyItems');
    await page.check('input[name=modes][value=list]');
    await page.fill('#forDocTypes', 'CollectionObject');
    await page.click('button:has-text("Create")');
    const nameError = page.locator('[data-path="batch_common/name"] .field-error');
    expect(await nameError.textContent()).to.equal('is required');
    await screenshot('definition-form');

    await page.fill('#name', DEFINITION_NAME);
    await page.click('button:has-text("Create")');
    await page.waitForSelector('main[data-view^="#/definitions/"] dl');
    expect(await page.textContent('main h1')).to.equal(DEFINITION_NAME);
    expect(await page.textContent('main dl')).to.include('test.FlakyItems');

    await page.click('a:has-text("Edit")');
    await page.fill('#name', '');
    await page.fill('#notes', 'Marks each object touched.');
    await page.click('button:has-text("Save")');
    expect(await page.locator('[data-path="batch_common/name"] .field-error').textContent()).to.match(/blank|required/);
    await page.fill('#name', DEFINITION_NAME);
    await page.click('button:has-text("Save")');
    await page.waitForSelector('main[data-view^="#/definitions/"] dl');
    expect(await page.textContent('main dl')).to.include('Marks each object touched.');
    expect(await page.textContent('main dl')).to.include('CollectionObject');
    await page.click('nav >> text=Definitions');
    await page.fill('input[name=name]', 'every object');
    await page.click('button:has-text("Filter")');
    await page.waitForSelector('main[data-view="#/definitions?name=every+object"]');
    expect(await page.locator('main table tbody tr').allTextContents()).to.have.length(1);
    await screenshot('definitions');
  });

  it('invokes it over 2,000 records in the background and follows the progress bar to 100 %', async () => {
    await page.click(`text=${DEFINITION_NAME}`);
    await page.click('a:has-text("Invoke")');
    await page.click(`button:has-text("Select all ${RECORDS}")`);
    await page.waitForSelector(`text=${RECORDS} of ${RECORDS} CollectionObject record(s) chosen`);
    await screenshot('invoke');
    await page.click('button:has-text("Invoke")');
    await page.waitForURL(/#\/runs\/[0-9a-f-]+$/);
    runId = new URL(page.url()).hash.split('/').pop() as string;

    // The bar's value (reflected in its attribute) is moved by the run's event stream only.
    await page.waitForSelector('progress[value="100"]', { timeout: 120_000 });
    await page.waitForSelector('text=CompletedWithErrors:');
    const run = (await getJson(service!, `/cspace-services/runs/${runId}`))['ns2:run'];
    expect(run.noOfItemsPosted).to.equal(String(RECORDS));
    expect(run.noOfItemsFailed).to.equal(String(csids.filter((_csid, i) => failing(i)).length));
    expect(await page.textContent('main')).to.include(`${RECORDS} of ${RECORDS} processed, ${run.noOfItemsFailed} failed`);
    await screenshot('run');
  });

  it("lists the run with its item errors, and opens a failed item's error", async () => {
    await page.click('nav >> text=Runs');
    await page.waitForSelector('main[data-view="#/runs"]');
    await page.click('details.item-errors summary');
    const errors = await page.locator('details.item-errors li').allTextContents();
    expect(errors).to.have.length(RECORDS / 400);
    expect(errors.every((error) => /^Plugin 'test.FlakyItems' failed: record o\d+ refuses$/.test(error))).to.equal(true);
    await screenshot('runs-with-errors');
    await page.click(`main table a:has-text("${DEFINITION_NAME}")`);
    await page.waitForSelector(`main[data-view="#/runs/${runId}"]`);
    await page.click('main .filters >> text=Failed');
    await page.waitForSelector(`main[data-view="#/runs/${runId}?itemStatus=Failed"]`);
    const failed = await page.locator('details.item-error').count();
    expect(failed).to.equal(RECORDS / 400);
    await page.locator('details.item-error summary').first().click();
    expect(await page.locator('details.item-error pre').first().textContent()).to.match(/record o\d+ refuses/);
    expect(await page.locator('details.item-error pre').first().isVisible()).to.equal(true);
    await screenshot('run-failed-items');
  });

  it('reruns the failed items once their records are fixed', async () => {
    for (const [i, csid] of csids.entries()) {
      if (!failing(i)) continue;
      const res = await service!.request(`/cspace-services/records/CollectionObject/${csid}`, {
        method: 'PUT',
        headers: { 'Content-Type': JSON_TYPE },
        body: JSON.stringify({ document: { '@name': 'CollectionObject', fail: 'no' } }),
      });
      expect(res.status, await res.text()).to.equal(200);
    }
    await page.click('button:has-text("Rerun failed")');
    await page.waitForSelector('text=Completed: ', { timeout: 120_000 });
    const run = (await getJson(service!, `/cspace-services/runs/${runId}`))['ns2:run'];
    expect([run.status, run.noOfItemsFailed, run.reruns]).to.deep.equal(['Completed', '0', '1']);
    expect(await progressValue()).to.equal(100);
    await page.click('nav >> text=Runs');
    await page.waitForSelector('main[data-view="#/runs"]');
    expect(await page.locator('main table tbody tr').count()).to.equal(1);
    await screenshot('runs');
    const schedule = await service!.request(`/cspace-services/batch/${run.definitionCsid}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ schedule: { at: '2030-01-31T22:00:00Z', 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: [csids[0]] } } } }),
    });
    expect(schedule.status).to.equal(201);
    await page.click('nav >> text=Schedules');
    await page.waitForSelector('main[data-view="#/schedules"] table');
    const cells = await page.locator('main table tbody td').allTextContents();
    expect([cells[0], cells[3]]).to.deep.equal([DEFINITION_NAME, 'not yet']);
    expect(cells[1]).to.match(/^once at .*2030/);
    expect(cells[2]).to.match(/2030/);
    await screenshot('schedules');
  });

  it("builds the params inputs from the plugin's schema, shows their errors at the field and waits for results", async () => {
    const echo = await createDefinition(service!, { name: 'Echo', className: 'test.Echo', supportsNoContext: true, supportsSingleDoc: true });
    await page.goto(new URL(`/cspace-services/console/#/definitions/${echo}/invoke`, service!.url).href);
    await page.waitForSelector(`main[data-view="#/definitions/${echo}/invoke"]`);
    expect(await page.getAttribute('#param-count', 'type')).to.equal('number');
    await page.check('input[name=mode][value=nocontext]');
    await page.uncheck('input[name=background]');
    await page.fill('#param-count', '0');
    await page.fill('#param-tag', 'a\nb');
    await page.click('button:has-text("Invoke")');
    const countError = page.locator('[data-path="invocationContext/params/count"] .field-error');
    expect(await countError.textContent()).to.equal('must be >= 1');
    await screenshot('invoke-params');

    await page.fill('#param-count', '2');
    await page.click('button:has-text("Invoke")');
    await page.waitForSelector('#results dl');
    expect(JSON.parse((await page.textContent('#results dd')) as string).params).to.deep.equal({ count: 2, tag: ['a', 'b'] });
  });

  it('marks required params, says when others become required, and shows each refusal at its param', async () => {
    const report = await createDefinition(service!, { name: 'Report', className: 'test.ReportParams', supportsNoContext: true });
    await page.goto(new URL(`/cspace-services/console/#/definitions/${report}/invoke`, service!.url).href);
    await page.waitForSelector(`main[data-view="#/definitions/${report}/invoke"]`);
    const param = (key: string) => page.locator(`[data-path="invocationContext/params/${key}"]`);
    expect(await param('format').locator('.required').count()).to.equal(1);
    expect(await param('delimiter').locator('.required').count()).to.equal(0);
    expect(await param('delimiter').locator('small').textContent()).to.equal('required when format is csv');
    expect(await param('email').locator('small').textContent()).to.equal('required when notify is given');
    await page.uncheck('input[name=background]');

    await page.click('button:has-text("Invoke")');
    expect(await param('format').locator('.field-error').textContent()).to.equal('is required');
    await page.selectOption('#param-format', 'csv');
    await page.click('button:has-text("Invoke")');
    expect(await param('delimiter').locator('.field-error').textContent()).to.equal('is required');
    await page.fill('#param-delimiter', ';');
    await page.selectOption('#param-notify', 'true');
    await page.click('button:has-text("Invoke")');
    expect(await param('email').locator('.field-error').textContent()).to.equal('is required when notify is given');
    await screenshot('invoke-conditional-params');
    await page.fill('#param-email', 'registrar@museum.example');
    await page.click('button:has-text("Invoke")');
    await page.waitForSelector('#results dl');
    expect(JSON.parse((await page.textContent('#results dd')) as string)).to.deep.equal({
      format: 'csv', delimiter: ';', notify: true, email: 'registrar@museum.example',
    });
  });

  it('cancels a run, and moves the bars of more active runs than it follows at once, through dropped streams', async () => {
    gate = new RunGate();
    const gated = await createDefinition(service!, { name: 'Gated', className: 'test.GatedItems', supportsDocList: true });
    /** A run of test.GatedItems over 10 records, its items held at the gate. */
    const startGatedRun = async () => {
      const res = await service!.request(`/cspace-services/batch/${gated}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Prefer: 'respond-async' },
        body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: csids.slice(0, 10) } } }),
      });
      expect(res.status).to.equal(202);
      return (res.headers.get('location') as string).split('/').pop() as string;
    };
    const openGatedRun = async () => {
      const id = await startGatedRun();
      await page.goto(new URL(`/cspace-services/console/#/runs/${id}`, service!.url).href);
      await page.waitForSelector(`main[data-view="#/runs/${id}"]`);
      expect(await progressValue()).to.equal(0);
      return id;
    };

    await openGatedRun();
    await page.click('button:has-text("Cancel")');
    await page.waitForSelector('text=Cancelled: ');
    expect(await page.locator('main button').allTextContents()).to.deep.equal([]);

    // Six runs held at the gate: more than the console follows at once (4), so some wait for a stream to end.
    const held: string[] = [];
    for (let i = 0; i < 6; i += 1) held.push(await startGatedRun());
    // Each run's first event stream drops, as at a service restart: the console follows the run again.
    const dropped = new Set<string>();
    await page.route('**/cspace-services/runs/*/events', async (route) => {
      const url = route.request().url();
      if (dropped.has(url)) return route.continue();
      dropped.add(url);
      return route.abort('connectionreset');
    });
    await page.click('nav >> text=Runs');
    await page.waitForSelector('main[data-view="#/runs"] table');
    const progressOf = (id: string) => page.locator(`main table tr:has(a[href="#/runs/${id}"]) .progress`);
    for (const id of held) expect(await progressOf(id).getAttribute('data-status')).to.match(/^(Queued|InProgress)$/);
    gate.open();
    for (const id of held) {
      await page.waitForSelector(`main table tr:has(a[href="#/runs/${id}"]) .progress[data-status="Completed"] progress[value="100"]`, { timeout: 60_000 });
    }
    const statuses = await page.locator('main table tbody tr td:nth-child(2)').allTextContents();
    expect(statuses.filter((status) => status === 'Completed')).to.have.length.of.at.least(held.length);
    expect(statuses.filter((status) => /^(Queued|InProgress)$/.test(status))).to.deep.equal([]);
    expect(held.every((id) => [...dropped].some((url) => url.includes(id)))).to.equal(true);
    await page.unroute('**/cspace-services/runs/*/events');
  });

  it('shows the run but no cancel or rerun buttons, and no edit, to a user who may only read', async () => {
    await createRole(service!, 'viewer', { runs: 'RL', definitions: 'RL' });
    const viewer = await createUser(service!, 'viewer', ['viewer']);
    const context = await browser!.newContext();
    const viewerPage = await context.newPage();
    await viewerPage.goto(new URL(`/cspace-services/console/#/runs/${runId}`, service!.url).href);
    // Back from the sign-in page at the view the address named.
    await signInOn(viewerPage, viewer, `#/runs/${runId}`);
    expect(await viewerPage.locator('header .user').textContent()).to.equal('viewer');
    expect(await viewerPage.textContent('main .status')).to.match(/^Completed: /);
    expect(await viewerPage.locator('main button').allTextContents()).to.deep.equal([]);
    await viewerPage.click('main h1 a');
    await viewerPage.waitForSelector('main[data-view^="#/definitions/"]');
    expect(await viewerPage.locator('main .actions a').allTextContents()).to.deep.equal(['Its runs']);
    expect(await viewerPage.locator('header label.tenant').isVisible()).to.equal(false);
    await context.close();
  });

  it('switches to a second tenant, which sees none of it', async () => {
    await page.click('nav >> text=Runs');
    await page.waitForSelector('main[data-view="#/runs"] table');
    await page.selectOption('#tenant', TENANT_B);
    await page.waitForSelector('text=No runs match.');
    await page.click('nav >> text=Definitions');
    await page.waitForSelector('main[data-view="#/definitions"] table');
    expect(await page.textContent('main')).to.include('Update Inventory Status');
    await page.click('nav >> text=Schedules');
    await page.waitForSelector('main[data-view="#/schedules"]');
    expect(await page.textContent('main')).to.include('No schedules in this tenant.');
    expect(await page.textContent('main')).not.to.include(DEFINITION_NAME);
    await page.goto(new URL(`/cspace-services/console/#/runs/${runId}`, service!.url).href);
    expect(await page.textContent('[role=alert]')).to.match(/not found/i);
  });

  it("shows the second tenant's own run, with results too large to inline read on demand, as text", async () => {
    const big = await createDefinition(inB, { name: 'Big results', className: 'test.BigResults', supportsNoContext: true });
    const res = await inB.request(`/cspace-services/batch/${big}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'nocontext', params: { param: [{ key: 'noteLength', value: '20000' }] } } }),
    });
    expect(res.status).to.equal(202);
    const location = res.headers.get('location') as string;
    await runReaching(inB, location, ['Completed'], 'the big results run');
    const id = location.split('/').pop() as string;
    await page.goto(new URL(`/cspace-services/console/#/runs/${id}`, service!.url).href);
    await page.click('button:has-text("Show results")');
    await page.waitForSelector('dl.results');
    const note = (await page.locator('dl.results dd').first().textContent()) as string;
    expect([note.length, note.slice(0, 15)]).to.deep.equal([20000, 'big <note> & é ']);
  });
  it("lets a user of two tenants, signed in on their own, switch between the tenants' runs", async () => {
    const registrar = await createUser(service!, 'registrar', ['viewer']);
    await addMembership(inB, 'registrar', ['TENANT_ADMINISTRATOR']);
    const context = await browser!.newContext();
    const registrarPage = await context.newPage();
    await registrarPage.goto(new URL('/cspace-services/console/#/runs', service!.url).href);
    await signInOn(registrarPage, registrar, '#/runs');
    await registrarPage.waitForSelector('main table');
    expect(await registrarPage.locator('#tenant option').allTextContents()).to.deep.equal(['default', TENANT_B]);
    expect(await registrarPage.textContent('main table')).to.include(DEFINITION_NAME);
    await registrarPage.selectOption('#tenant', TENANT_B);
    await registrarPage.waitForSelector('main[data-view="#/runs"] table:has-text("Big results")');
    expect(await registrarPage.textContent('main table')).not.to.include(DEFINITION_NAME);
    await context.close();
  });

  it('refreshes an access token before it expires, and one the service refuses, without a broken page', async () => {
    await page.goto(new URL('/cspace-services/console/#/runs', service!.url).href);
    await page.waitForSelector('main[data-view="#/runs"] table');
    const refused: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 401) refused.push(response.url());
    });
    const before = (await storedTokens(page)) as StoredTokens;
    // About to expire: refreshed before the next request leaves, which the service then accepts.
    await storeTokens(page, { ...before, expiresAt: Date.now() });
    await page.click('nav >> text=Definitions');
    await page.waitForSelector('main[data-view="#/definitions"] table');
    const refreshed = (await storedTokens(page)) as StoredTokens;
    expect([refreshed.access === before.access, refreshed.refresh === before.refresh]).to.deep.equal([false, false]);
    expect(refused).to.deep.equal([]);

    // A token the service refuses (as after a key rotation): one 401, then a refresh and the same request again. The
    // 401 carries the API's Basic challenge: a browser prompt there would stall the page, and this wait with it.
    await storeTokens(page, { ...refreshed, access: 'eyJhbGciOiJSUzI1NiJ9.e30.bm90LWEtc2lnbmF0dXJl' });
    await page.reload();
    await page.waitForSelector('main[data-view="#/definitions"] table');
    expect(refused.length).to.be.at.least(1);
    expect((await storedTokens(page))?.access).to.match(/^eyJ/).and.not.equal(refreshed.access);
    expect(await page.locator('header .user').textContent()).to.equal(TEST_ADMIN.username);
  });

  it('asks for sign-in again when neither token is accepted, and comes back to the same view', async () => {
    await page.goto(new URL('/cspace-services/console/#/schedules', service!.url).href);
    await page.waitForSelector('main[data-view="#/schedules"]');
    await storeTokens(page, { access: 'not-a-token', refresh: 'not-a-refresh-token', expiresAt: Date.now() + 3_600_000 });
    await page.reload();
    await signInOn(page, TEST_ADMIN, '#/schedules');
    // Still in the tenant chosen before (the second one, without schedules).
    expect(await page.inputValue('#tenant')).to.equal(TENANT_B);
    expect(await page.textContent('main')).to.include('No schedules in this tenant.');
  });

  it('signs out: revokes the tokens, forgets them, and asks for sign-in again', async () => {
    await page.goto(new URL('/cspace-services/console/#/runs', service!.url).href);
    await page.waitForSelector('main[data-view="#/runs"]');
    const tokens = (await storedTokens(page)) as StoredTokens;
    await page.click('#sign-out');
    await page.waitForURL(SIGN_IN_PAGE);
    expect(await storedTokens(page)).to.equal(null);
    const refresh = await tokenRequest(service!, { grant_type: 'refresh_token', refresh_token: tokens.refresh, client_id: 'invocables-console' });
    expect([refresh.status, ((await refresh.json()) as { error: string }).error]).to.deep.equal([400, 'invalid_grant']);
    // The access token it held is refused too, though it has not expired: the service was using it a moment ago.
    const api = await fetch(new URL('/cspace-services/batch', service!.url), { headers: { Authorization: `Bearer ${tokens.access}` } });
    expect(api.status).to.equal(401);
    // The way back in is the sign-in page, whatever view is asked for.
    await page.goto(new URL('/cspace-services/console/#/definitions', service!.url).href);
    await signInOn(page, TEST_ADMIN, '#/definitions');
  });
});
