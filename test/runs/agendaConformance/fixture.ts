/**
 * Per-test backend lifecycle for the conformance suite: a fresh, connected backend before each test;
 * after it, every Agenda made by the test is stopped and then every backend disposed, in that order, so
 * mocha exits and file-backed engines can keep a failed test's data.
 */
import { Agenda } from 'agenda';
import type { AgendaBackend, AgendaOptions, JobRepository, NotificationChannel } from 'agenda';

export interface CreateBackendOptions {
  /** The backend must hand this channel to Agenda as its `notificationChannel`. */
  notificationChannel?: NotificationChannel;
}

export interface AgendaBackendConformanceOptions {
  /** Shown in the suite title, e.g. 'sqlite :memory:'. */
  name: string;
  /** A new backend over empty storage, not yet connected. `testName` is unique per call: name files after it. */
  createBackend(testName: string, options: CreateBackendOptions): AgendaBackend | Promise<AgendaBackend>;
  /** Releases what `createBackend` made. Agenda may already have disconnected it. */
  disposeBackend(backend: AgendaBackend, context: { failed: boolean }): Promise<void>;
}

export interface ConformanceFixture {
  readonly backend: AgendaBackend;
  readonly repo: JobRepository;
  /** Errors Agenda emitted during this test; end-to-end tests expect none. */
  readonly agendaErrors: Error[];
  /** Another connected backend for this test, disposed after it. */
  createBackend(options?: CreateBackendOptions): Promise<AgendaBackend>;
  /** An Agenda on `backend` (default: the test's), polling every 50 ms unless told otherwise; stopped after the test. */
  createAgenda(options?: Partial<AgendaOptions>): Agenda;
}

export function useConformanceFixture(options: AgendaBackendConformanceOptions): ConformanceFixture {
  let current: { backend: AgendaBackend; testName: string } | undefined;
  let backends: AgendaBackend[] = [];
  let agendas: Agenda[] = [];
  const agendaErrors: Error[] = [];
  let extraCount = 0;

  const open = async (testName: string, createOptions: CreateBackendOptions): Promise<AgendaBackend> => {
    const backend = await options.createBackend(testName, createOptions);
    backends.push(backend);
    await backend.connect();
    return backend;
  };

  beforeEach(async function () {
    const testName = this.currentTest?.fullTitle() ?? 'unnamed test';
    agendaErrors.length = 0;
    extraCount = 0;
    current = { backend: await open(testName, {}), testName };
  });

  afterEach(async function () {
    const failed = this.currentTest?.state === 'failed';
    const toStop = agendas;
    const toDispose = backends;
    agendas = [];
    backends = [];
    current = undefined;
    await Promise.all(toStop.map((agenda) => agenda.stop()));
    for (const backend of toDispose) await options.disposeBackend(backend, { failed });
  });

  const active = (): { backend: AgendaBackend; testName: string } => {
    if (!current) throw new Error('the conformance fixture is only usable inside a test');
    return current;
  };

  return {
    get backend() {
      return active().backend;
    },
    get repo() {
      return active().backend.repository;
    },
    agendaErrors,
    async createBackend(createOptions = {}) {
      extraCount += 1;
      return open(`${active().testName} #${extraCount}`, createOptions);
    },
    createAgenda(agendaOptions = {}) {
      const agenda = new Agenda({ backend: active().backend, processEvery: 50, ...agendaOptions });
      agenda.on('error', (error: Error) => agendaErrors.push(error));
      agendas.push(agenda);
      return agenda;
    },
  };
}
