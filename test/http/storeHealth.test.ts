/**
 * A store that cannot take writes, on the real service with its embedded store on disk: a full disk (a real
 * 16 MiB tmpfs filled up, so SQLite meets ENOSPC) and a read-only database (the file and its write-ahead log made
 * immutable with `chattr +i`, which stops root too: a read-only mount cannot be had while the service holds the
 * files open for writing, and chmod does not stop root). `/health` and writes answer 503 STORE_UNAVAILABLE, reads
 * go on, nothing answered 201 is lost, and both clear by themselves once the condition is fixed.
 */
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { SQLITE_DEFAULTS } from '../../src/store/sqlite/defaults.js';
import { startTestService, tempDir, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

async function createLoanout(service: TestService, fields: Record<string, string>): Promise<Response> {
  return service.request('/cspace-services/records/Loanout', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ document: { '@name': 'Loanout', ...fields } }),
  });
}

async function expectStoreUnavailable(res: Response): Promise<void> {
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).to.equal(503);
  expect(body.error.code).to.equal('STORE_UNAVAILABLE');
  expect(res.headers.get('retry-after')).to.equal('1');
}

async function health(service: TestService): Promise<{ status: number; body: any }> {
  const res = await service.request('/health');
  return { status: res.status, body: await res.json() };
}

function csidOf(res: Response): string {
  return (res.headers.get('location') ?? '').split('/').at(-1) ?? '';
}

/** Runs `command`; answers why it could not, if it could not. */
function attempt(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `${command} ${args.join(' ')}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`;
  }
}

describe('store health over HTTP (embedded store on disk)', function () {
  this.timeout(60_000);

  describe('a full disk', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    let service: TestService | undefined;
    let mounted = false;

    before(async function () {
      ({ dir, cleanup } = await tempDir('invocables-full-'));
      const failure = attempt('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir]);
      if (failure !== undefined) {
        console.log(`      skipped: a small file system cannot be mounted here (${failure})`);
        this.skip();
      }
      mounted = true;
      service = await startTestService({ dataDir: dir });
    });

    after(async () => {
      try {
        await service?.stop();
      } finally {
        if (mounted) attempt('umount', [dir]);
        await cleanup();
      }
    });

    it('answers 503 on /health and on writes, keeps every record it acknowledged, and recovers once space is freed', async () => {
      const svc = service!;
      const acknowledged: string[] = [];
      const first = await createLoanout(svc, { loanOutNumber: 'first' });
      expect(first.status).to.equal(201);
      acknowledged.push(csidOf(first));

      const filler = path.join(dir, 'filler');
      await writeFile(filler, Buffer.alloc(32 * 1024 * 1024)).then(
        () => expect.fail('the filler fitted: the file system is not full'),
        (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ENOSPC'),
      );
      // Small writes may still fit in pages SQLite already has; large ones soon need space there is not.
      let refusedWith: Response | undefined;
      for (let n = 0; n < 200 && refusedWith === undefined; n += 1) {
        const res = await createLoanout(svc, { loanOutNumber: `n${n}`, note: 'x'.repeat(64 * 1024) });
        if (res.status === 201) acknowledged.push(csidOf(res));
        else refusedWith = res;
      }
      expect(refusedWith, 'a write refused on the full disk').to.not.equal(undefined);
      await expectStoreUnavailable(refusedWith!);
      const unavailable = await health(svc);
      expect(unavailable.status).to.equal(503);
      expect(unavailable.body).to.deep.include({ status: 'unavailable' });
      expect(unavailable.body.store).to.deep.equal({
        engine: 'sqlite',
        problem: { kind: 'full', message: `database file ${SQLITE_DEFAULTS.filename} cannot grow: the disk is full` },
      });
      await expectStoreUnavailable(await createLoanout(svc, { loanOutNumber: 'refused', note: 'x'.repeat(64 * 1024) }));
      expect((await svc.request(`/cspace-services/records/Loanout/${acknowledged[0]}`)).status, 'reads go on').to.equal(200);

      await rm(filler);
      await waitFor('/health to answer 200', async () => ((await health(svc)).status === 200 ? true : undefined), { timeoutMs: 3_000, intervalMs: 100 });
      const after = await createLoanout(svc, { loanOutNumber: 'after', note: 'x'.repeat(64 * 1024) });
      expect(after.status).to.equal(201);
      acknowledged.push(csidOf(after));
      for (const csid of acknowledged) expect((await svc.request(`/cspace-services/records/Loanout/${csid}`)).status, csid).to.equal(200);
    });
  });

  describe('a read-only database file', () => {
    let service: TestService;
    let immutable: string[] = [];

    before(async () => {
      service = await startTestService();
    });

    after(async () => {
      if (immutable.length > 0) attempt('chattr', ['-i', ...immutable]);
      await service.stop();
      await rm(service.dataDir, { recursive: true, force: true });
    });

    it('answers 503 on /health and on writes while the file refuses writes, and recovers once it takes them again', async function () {
      const before = await createLoanout(service, { loanOutNumber: 'before' });
      expect(before.status).to.equal(201);
      const file = path.join(service.dataDir, SQLITE_DEFAULTS.filename);
      // Not the -shm file: SQLite maps it into memory, and a write to an immutable mapping is a SIGBUS.
      const files = [file, `${file}-wal`];
      const failure = attempt('chattr', ['+i', ...files]);
      if (failure !== undefined) {
        console.log(`      skipped: files cannot be made immutable here (${failure})`);
        this.skip();
      }
      immutable = files;

      await expectStoreUnavailable(await createLoanout(service, { loanOutNumber: 'refused' }));
      const unavailable = await health(service);
      expect(unavailable.status).to.equal(503);
      expect(unavailable.body.store.problem).to.deep.equal({ kind: 'read-only', message: `database file ${SQLITE_DEFAULTS.filename} is read-only` });
      await expectStoreUnavailable(await createLoanout(service, { loanOutNumber: 'refused again' }));
      expect((await service.request(`/cspace-services/records/Loanout/${csidOf(before)}`)).status, 'reads go on').to.equal(200);

      expect(attempt('chattr', ['-i', ...files])).to.equal(undefined);
      immutable = [];
      await waitFor('/health to answer 200', async () => ((await health(service)).status === 200 ? true : undefined), { timeoutMs: 3_000, intervalMs: 100 });
      const after = await createLoanout(service, { loanOutNumber: 'after' });
      expect(after.status).to.equal(201);
      expect((await service.request(`/cspace-services/records/Loanout/${csidOf(after)}`)).status).to.equal(200);
    });
  });
});
