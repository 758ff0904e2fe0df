/**
 * A definition's `batch_invocables` part sets the per-item time limit and retries of its runs, over the plugin's
 * own (`timeoutMs`, `retries`). Tests wait on state, never on the clock.
 */
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { createDefinition, getJson, JSON_TYPE, runReaching } from '../support/api.js';
import { startRunFixtureService } from '../support/runFixtureService.js';
import type { TestService } from '../support/testService.js';

const TENANT = 'default' as TenantId;

describe('HTTP per-item limits from the definition', () => {
  let service: TestService;
  let stop: () => Promise<void>;

  beforeEach(async () => {
    ({ service, stop } = await startRunFixtureService());
  });
  afterEach(() => stop());

  const json = (pathname: string) => getJson(service, pathname);
  const definition = (className: string, limits?: Record<string, unknown>) =>
    createDefinition(service, { name: className, forDocTypes: { forDocType: ['CollectionObject'] }, supportsDocList: true, className }, limits);

  /** Runs the definition over `csids` in the background; answers the finished run's items, in order. */
  async function runItems(csid: string, csids: string[]): Promise<any[]> {
    const res = await service.request(`/cspace-services/batch/${csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: csids } } }),
    });
    expect(res.status, await res.clone().text()).to.equal(202);
    const location = res.headers.get('location') ?? '';
    await runReaching(service, location, ['Completed', 'CompletedWithErrors'], 'the run to finish');
    return [(await json(`${location}/items`))['ns2:abstract-common-list']['list-item']].flat();
  }

  it("shows the limits in the definition, and its retries win over the plugin's", async () => {
    const flaky = (await service.store.records.create(TENANT, 'CollectionObject', { objectNumber: 'f', flaky: 'yes' }, 'test')).csid;
    const noRetries = await definition('test.RecordItems', { itemRetries: 0, itemTimeoutMs: 5000 });
    const read = (await json(`/cspace-services/batch/${noRetries}`)).document;
    expect(read['ns2:batch_invocables']).to.include({ itemRetries: '0', itemTimeoutMs: '5000' });

    const [withoutRetry] = await runItems(noRetries, [flaky]);
    expect(withoutRetry).to.include({ status: 'Failed', attempts: '1', error: "Plugin 'test.RecordItems' failed: flaky first attempt" });

    // The plugin's own retries (2) apply where the definition says nothing.
    const pluginRetries = await definition('test.RecordItems');
    const flakyAgain = (await service.store.records.create(TENANT, 'CollectionObject', { objectNumber: 'g', flaky: 'yes' }, 'test')).csid;
    const [retried] = await runItems(pluginRetries, [flakyAgain]);
    expect(retried).to.include({ status: 'Completed' });
  });

  it('fails an item that runs past the time limit the definition sets, with PLUGIN_TIMEOUT', async () => {
    const record = (await service.store.records.create(TENANT, 'CollectionObject', { objectNumber: 'h' }, 'test')).csid;
    const [item] = await runItems(await definition('test.GatedItems', { itemTimeoutMs: 50 }), [record]);
    expect(item).to.include({ status: 'Failed', errorCode: 'PLUGIN_TIMEOUT' });
  });
});
