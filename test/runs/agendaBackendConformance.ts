/**
 * Conformance suite for any Agenda 6 `AgendaBackend`: call `describeAgendaBackendConformance` from an
 * engine's test file with a factory for fresh backends. It checks the repository contract method by method
 * (as agenda's own shared suite does for its backends), then runs real Agenda instances on the backend.
 *
 * Behaviour where our SQLite backend knowingly differs from the Mongo one is tested in the SQLite test
 * file, not here, so this suite stays runnable against the official backends.
 */
import { describeAgendaRuns } from './agendaConformance/agendaRuns.js';
import { useConformanceFixture } from './agendaConformance/fixture.js';
import type { AgendaBackendConformanceOptions } from './agendaConformance/fixture.js';
import { describeLocking } from './agendaConformance/locking.js';
import { describeQueries } from './agendaConformance/queries.js';
import { describeSaveJob } from './agendaConformance/saveJob.js';

export type { AgendaBackendConformanceOptions, CreateBackendOptions } from './agendaConformance/fixture.js';

export function describeAgendaBackendConformance(options: AgendaBackendConformanceOptions): void {
  describe(`Agenda backend conformance: ${options.name}`, () => {
    const fixture = useConformanceFixture(options);
    describeSaveJob(fixture);
    describeQueries(fixture);
    describeLocking(fixture);
    describeAgendaRuns(fixture);
  });
}
