/**
 * How the service serves its console over HTTP: the root sends browsers there, the console asks for the API's
 * login (one challenge per header, which browsers can read), and serves its shell page and script files.
 */
import { get } from 'node:http';
import { expect } from 'chai';
import { startTestService, type TestService } from '../../support/testService.js';
import { createTenant, TENANT_B } from '../../security/support.js';

/** The raw header lines of an answer, as a browser sees them before any client joins repeated fields. */
function rawHeaders(url: URL): Promise<{ status: number; lines: string[][] }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      const lines: string[][] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
      resolve({ status: res.statusCode ?? 0, lines });
    }).on('error', reject);
  });
}

describe('HTTP console routes', function () {
  this.timeout(60_000);
  let service: TestService;

  before(async () => {
    service = await startTestService();
    await createTenant(service);
  });

  after(() => service.stop());

  it('sends the service root to the console', async () => {
    const res = await service.request('/', { redirect: 'manual', auth: null });
    expect([res.status, res.headers.get('location')]).to.deep.equal([302, '/cspace-services/console/']);
  });

  it('asks for the API login, one challenge per WWW-Authenticate header', async () => {
    const { status, lines } = await rawHeaders(new URL('/cspace-services/console/', service.url));
    expect(status).to.equal(401);
    const challenges = lines.filter(([name]) => name?.toLowerCase() === 'www-authenticate').map(([, value]) => value);
    expect(challenges).to.deep.equal(['Basic realm="invocables"', 'Bearer']);
    expect((await service.request('/cspace-services/console/assets/app.js', { auth: null })).status).to.equal(401);
  });

  it("serves the shell page with the caller's name and tenants, under helmet's policy", async () => {
    const res = await service.request('/cspace-services/console');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('content-security-policy')).to.include("script-src 'self'");
    const html = await res.text();
    expect(html).to.include(`data-user="admin" data-tenant="default" data-tenants="[&#34;default&#34;,&#34;${TENANT_B}&#34;]"`);
    expect(html).to.include('<script type="module" src="/cspace-services/console/assets/app.js"></script>');
    expect((await service.request('/cspace-services/console', { method: 'POST' })).status).to.equal(405);
  });

  it('serves its script and style files, and 404 for any other', async () => {
    const script = await service.request('/cspace-services/console/assets/app.js');
    expect([script.status, script.headers.get('content-type')]).to.deep.equal([200, 'text/javascript; charset=utf-8']);
    expect(await script.text()).to.include("addEventListener('hashchange', render)");
    const style = await service.request('/cspace-services/console/assets/console.css');
    expect(style.headers.get('content-type')).to.equal('text/css; charset=utf-8');
    const missing = await service.request('/cspace-services/console/assets/nothing.js', { headers: { Accept: 'application/json' } });
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).to.equal('ROUTE_NOT_FOUND');
  });
});
