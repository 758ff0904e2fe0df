/**
 * CollectionSpace's no-op test job (TestBatchJob): accepts every mode, changes nothing. Useful to check that
 * definitions, permissions and invocation plumbing work without touching any record. Like the Java job it
 * answers `numAffected` 0 and no userNote.
 */

/** @type {import('../../src/plugins/contract.js').Invocable} */
const noop = {
  className: 'noop',
  aliases: ['org.collectionspace.services.batch.nuxeo.TestBatchJob'],
  contract: '^1.0.0',
  version: '1.0.0',
  description: 'Does nothing; for testing definitions and invocations.',
  modes: ['single', 'list', 'group', 'nocontext'],
  defaultDefinition: {
    name: 'No-op',
    notes: 'A batch job that does nothing (CollectionSpace TestBatchJob).',
  },
  async invoke() {
    return { numAffected: 0 };
  },
};

export default noop;
