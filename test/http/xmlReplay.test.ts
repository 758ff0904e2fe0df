/**
 * CollectionSpace's batch XmlReplay flows, replayed against the real service: records created through the
 * record services (`/collectionobjects`, `/movements`, `/groups`), related through `/relations`, batch jobs
 * defined and invoked through `/batch`, and the results read back through the record services. The control
 * files and payloads are ours, in the shape of CollectionSpace's (test/fixtures/xmlreplay/README.md).
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestService, type TestService } from '../support/testService.js';
import { replay } from '../support/xmlReplay.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/xmlreplay/', import.meta.url));

const CONTROL_FILES = {
  'batch/batch-control.xml': 20,
  'batch/batch-update-object-loc-control.xml': 39,
  'batch/batch-update-inventory-status-control.xml': 5,
};

describe('XmlReplay: CollectionSpace batch test flows', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  for (const [controlFile, tests] of Object.entries(CONTROL_FILES)) {
    it(`replays ${controlFile}`, async () => {
      const outcomes = await replay(service, FIXTURES, controlFile);
      expect(outcomes, 'every test of the control file ran').to.have.length(tests);
      for (const outcome of outcomes) {
        const context = `${outcome.id}: ${outcome.method} ${outcome.uri} answered ${outcome.status} ${outcome.body.slice(0, 400)}`;
        if (outcome.expectedCodes === 'any 2xx') expect(outcome.status, context).to.be.within(200, 299);
        else expect(outcome.expectedCodes, context).to.include(outcome.status);
        expect(outcome.missing, `${context}\nmissing from the answer`).to.deep.equal([]);
      }
    });
  }
});
