import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, createRecord, invoke, readRecord, relate, XML_TYPE } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/invocation');
const ALL_MODES = { supportsSingleDoc: true, supportsDocList: true, supportsGroup: true, supportsNoContext: true };

describe('HTTP invocation', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    service = await startTestService({ pluginsDir: plugins.dir });
  });
  afterEach(async () => {
    await service.stop();
    await cleanup();
  });

  const echo = (extra: Record<string, unknown> = {}) =>
    createDefinition(service, { name: 'echo', forDocTypes: { forDocType: ['CollectionObject'] }, ...ALL_MODES, className: 'test.Echo', ...extra });

  describe('modes', () => {
    it('single: hands the plugin the one csid and answers invocationResults in XML', async () => {
      const object = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
      const csid = await echo();
      const res = await service.request(`/cspace-services/batch/${csid}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE },
        body: `<ns2:invocationContext xmlns:ns2="http://collectionspace.org/services/common/invocable"><mode>single</mode><docType>collectionobject</docType><singleCSID>${object}</singleCSID></ns2:invocationContext>`,
      });
      expect(res.status).to.equal(200);
      const xml = await res.text();
      expect(xml).to.include('<ns2:invocationResults xmlns:ns2="http://collectionspace.org/services/common/invocable">');
      expect(xml).to.include('<numAffected>1</numAffected>');
      expect(xml).to.include(object);
    });

    it('list: keeps the csids in order and passes params, repeated keys as arrays, coerced by the schema', async () => {
      const a = await createRecord(service, 'CollectionObject', { objectNumber: 'a' });
      const b = await createRecord(service, 'CollectionObject', { objectNumber: 'b' });
      const { status, body } = await invoke(service, await echo(), {
        mode: 'list',
        docType: 'CollectionObject',
        listCSIDs: [b, a],
        params: [
          { key: 'count', value: '3' },
          { key: 'tag', value: 'x' },
          { key: 'tag', value: 'y' },
        ],
      });
      expect(status).to.equal(200);
      const results = body['ns2:invocationResults'];
      expect(results.numAffected).to.equal('2');
      expect(JSON.parse(results.userNote)).to.deep.equal({
        mode: 'list',
        docType: 'CollectionObject',
        csids: [b, a],
        params: { count: 3, tag: ['x', 'y'] },
      });
    });

    it('group: resolves the members of a Group record, accepting docType Group', async () => {
      const group = await createRecord(service, 'Group', { title: 'g' });
      const a = await createRecord(service, 'CollectionObject', { objectNumber: 'a' });
      const b = await createRecord(service, 'CollectionObject', { objectNumber: 'b' });
      await relate(service, { csid: group, docType: 'Group' }, 'affects', { csid: a, docType: 'CollectionObject' });
      await relate(service, { csid: b, docType: 'CollectionObject' }, 'affects', { csid: group, docType: 'Group' });
      const { status, body } = await invoke(service, await echo(), { mode: 'group', docType: 'Group', groupCSID: group });
      expect(status).to.equal(200);
      expect(JSON.parse(body['ns2:invocationResults'].userNote).csids).to.have.members([a, b]);
    });

    it('nocontext: runs without records; the deprecated POST /batch/{csid} works too', async () => {
      const { status, body } = await invoke(service, await echo(), { mode: 'nocontext' }, '');
      expect(status).to.equal(200);
      expect(body['ns2:invocationResults'].numAffected).to.equal('0');
    });
  });

  describe('per-record plugins', () => {
    it('iterates the list, counts affected records, and reports failures without stopping the others', async () => {
      const ok = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
      const failing = await createRecord(service, 'CollectionObject', { objectNumber: '2', fail: 'yes' });
      const done = await createRecord(service, 'CollectionObject', { objectNumber: '3', touched: 'yes' });
      const csid = await createDefinition(service, { name: 'flaky', ...ALL_MODES, className: 'test.FlakyItems' });
      const { status, body } = await invoke(service, csid, { mode: 'list', docType: 'CollectionObject', listCSIDs: [ok, failing, done] });
      expect(status).to.equal(200);
      const results = body['ns2:invocationResults'];
      expect(results.numAffected).to.equal('1');
      expect(results.userNote).to.include('3 record(s) processed, 1 affected, 1 failed');
      expect(results.userNote).to.include(`${failing}: Plugin 'test.FlakyItems' failed: record 2 refuses`);
      expect((await readRecord(service, 'CollectionObject', ok)).touched).to.equal('yes');
    });

    it('nocontext: iterates every record of the definition doc types', async () => {
      for (const n of ['1', '2', '3']) await createRecord(service, 'CollectionObject', { objectNumber: n });
      await createRecord(service, 'Loanout', { loanOutNumber: 'x' });
      const csid = await createDefinition(service, {
        name: 'flaky',
        forDocTypes: { forDocType: 'CollectionObject' },
        supportsNoContext: true,
        className: 'test.FlakyItems',
      });
      const { body } = await invoke(service, csid, { mode: 'nocontext' });
      expect(body['ns2:invocationResults'].numAffected).to.equal('3');
    });
  });

  describe('checks, in order, before any plugin code runs', () => {
    async function refused(csid: string, context: Parameters<typeof invoke>[2], status: number, code: string, text: string) {
      const res = await invoke(service, csid, context);
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect(res.body.error.code).to.equal(code);
      expect(JSON.stringify(res.body.error)).to.include(text);
    }

    it('unknown csid: 404', async () => {
      await refused('99999999-9999-9999-9999-999999999999', { mode: 'nocontext' }, 404, 'NOT_FOUND', '99999999');
    });

    it('missing or unknown mode: 400', async () => {
      const csid = await echo();
      await refused(csid, {}, 400, 'UNSUPPORTED_MODE', 'invocationContext/mode');
      await refused(csid, { mode: 'garbage' }, 400, 'UNSUPPORTED_MODE', "Unknown invocation mode 'garbage'");
    });

    it('mode not enabled on the definition: 400', async () => {
      const csid = await echo({ supportsGroup: false });
      await refused(csid, { mode: 'group', groupCSID: 'x' }, 400, 'UNSUPPORTED_MODE', "does not support the invocation mode 'group'");
    });

    it('docType not in forDocTypes (case-insensitive): 400', async () => {
      await refused(await echo(), { mode: 'single', docType: 'Loanout', singleCSID: 'x' }, 400, 'UNSUPPORTED_DOCTYPE', "'Loanout'");
    });

    it('missing context: no singleCSID, empty list, unknown group: 400', async () => {
      const csid = await echo();
      await refused(csid, { mode: 'single', docType: 'CollectionObject' }, 400, 'MISSING_CONTEXT', 'singleCSID');
      await refused(csid, { mode: 'list', docType: 'CollectionObject', listCSIDs: [] }, 400, 'MISSING_CONTEXT', 'listCSIDs');
      await refused(csid, { mode: 'group', groupCSID: 'nope' }, 400, 'MISSING_CONTEXT', 'groupCSID');
    });

    it('params invalid against the plugin schema: 400 naming the param', async () => {
      await refused(await echo(), { mode: 'nocontext', params: [{ key: 'count', value: 'zero' }] }, 400, 'VALIDATION_FAILED', 'params/count');
      await refused(await echo(), { mode: 'nocontext', params: [{ key: 'colour', value: 'red' }] }, 400, 'VALIDATION_FAILED', 'colour');
    });

    it('records named in the context that do not exist: 404 naming them', async () => {
      const real = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
      const ghost = '12345678-1234-1234-1234-123456789012';
      await refused(await echo(), { mode: 'list', docType: 'CollectionObject', listCSIDs: [real, ghost] }, 404, 'NOT_FOUND', ghost);
    });

    it('a malformed context: 400 with the position', async () => {
      const res = await service.request(`/cspace-services/batch/${await echo()}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE, Accept: 'application/json' },
        body: '<ns2:invocationContext xmlns:ns2="http://collectionspace.org/services/common/invocable"><mode>single</mode>',
      });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as any).error.code).to.equal('MALFORMED_BODY');
    });
  });

  describe('plugin failures never take the service down', () => {
    const nocontextJob = (className: string) => createDefinition(service, { name: className, supportsNoContext: true, className });

    it('a plugin that throws: 500 with its message, no stack', async () => {
      const res = await invoke(service, await nocontextJob('test.Throws'), { mode: 'nocontext' });
      expect(res.status).to.equal(500);
      expect(res.body.error.code).to.equal('PLUGIN_FAILED');
      expect(res.body.error.message).to.equal("Plugin 'test.Throws' failed: the database of record is on fire");
      const sync = await invoke(service, await nocontextJob('test.ThrowsSync'), { mode: 'nocontext' });
      expect(sync.status).to.equal(500);
      expect(sync.body.error.message).to.include('synchronous failure');
    });

    it('a plugin that rejects the request: 400 with its message', async () => {
      const res = await invoke(service, await nocontextJob('test.Rejects'), { mode: 'nocontext' });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('PLUGIN_REJECTED');
      expect(res.body.error.message).to.equal('the request asks for something impossible');
    });

    it('a plugin that hangs: 500 after its time limit, and the service keeps answering', async () => {
      const res = await invoke(service, await nocontextJob('test.Hangs'), { mode: 'nocontext' });
      expect(res.status).to.equal(500);
      expect(res.body.error.code).to.equal('PLUGIN_TIMEOUT');
      expect(res.body.error.message).to.include('200 ms');
      expect((await service.request('/health')).status).to.equal(200);
    });
  });
});
