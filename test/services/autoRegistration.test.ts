/**
 * Auto-registration of plugins' default definitions (src/services/autoRegistration.ts) over a real store (SQLite
 * file, or MongoDB when `MONGODB_URI` is set): registrations running at once, as in processes starting together,
 * store each default definition once.
 */
import { expect } from 'chai';
import pino from 'pino';
import type { TenantId } from '../../src/domain/types.js';
import { CONTRACT_VERSION, type Invocable } from '../../src/plugins/contract.js';
import { registerDefaultDefinitions } from '../../src/services/autoRegistration.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { tempDir } from '../support/testService.js';

const TENANT = 'default' as TenantId;

function plugin(className: string): Invocable {
  return {
    className,
    contract: CONTRACT_VERSION,
    modes: ['nocontext'],
    defaultDefinition: { name: `Default of ${className}` },
    invoke: async () => ({}),
  };
}

describe(`auto-registration (${process.env.MONGODB_URI ? 'MongoDB' : 'SQLite'})`, () => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const dir = await tempDir();
    const mongodbUri = ownMongoUri('inv_autoreg');
    store = await openStore({ dataDir: dir.dir, mongodbUri });
    cleanup = async () => {
      await store.close();
      if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
      await dir.cleanup();
    };
  });
  afterEach(() => cleanup());

  it('stores each default definition once when several registrations run at once, and counts it once', async () => {
    const plugins = [plugin('test.First'), plugin('test.Second')];
    const logger = pino({ level: 'silent' });
    const created = await Promise.all(Array.from({ length: 4 }, () => registerDefaultDefinitions(store.definitions, TENANT, plugins, logger)));
    expect(created.reduce((sum, count) => sum + count, 0)).to.equal(2);
    const stored = await store.definitions.list(TENANT, { paging: { pageNum: 0, pageSize: 50 } });
    expect(stored.items.map((item) => [item.definition.className, item.definition.name]).sort()).to.deep.equal([
      ['test.First', 'Default of test.First'],
      ['test.Second', 'Default of test.Second'],
    ]);
    expect(await registerDefaultDefinitions(store.definitions, TENANT, plugins, logger), 'registered already').to.equal(0);
  });
});
