/**
 * `/cspace-services/runs`: background runs (XML or JSON by `Accept`), their items, their results (as
 * `invocationResults`, also when too large to inline in the run), what their plugins logged (`/log`), cancel,
 * rerun, open runs' items (csids, or documents and files that become records: `/documents`) and close, and `GET /runs/{id}/events` (progress and log lines) as server-sent events
 * until the run ends.
 */
import { Router, type Response } from 'express';
import {
  decodeRunItems,
  DOCUMENT_ITEM_LIST_SPEC,
  encodeCommonList,
  encodeInvocationResults,
  encodeRunDocument,
  encodeRunLog,
  RUN_ITEM_LIST_SPEC,
  runLogLineFields,
  RUN_LIST_SPEC,
} from '../../codec/index.js';
import { ValidationError } from '../../domain/errors.js';
import { isLogLevel, LOG_LEVELS, type RunLogQuery } from '../../domain/runLog.js';
import { isFinalRunStatus, isItemStatus, ITEM_STATUSES, isRunStatus, percentCompleted, purgeAtFor, RUN_STATUSES, type Run } from '../../domain/runs.js';
import type { IdempotencyService } from '../../services/idempotencyService.js';
import type { RunService, RunView } from '../../services/runService.js';
import { documentItemsOf, readDocumentItems, uploadFingerprint } from '../documentItems.js';
import { idempotencyKeyOf, idempotent, readRequestTree } from '../idempotency.js';
import type { UploadLimits } from '../multipartUploads.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { sendTree } from '../negotiation.js';
import { callerOf } from '../requestContext.js';
import { requirePermission } from '../requirePermission.js';
import { pagingOf, stringParam } from '../queryParams.js';

export interface RunsRouterOptions {
  runs: RunService;
  /** Adding items with an `Idempotency-Key` (src/http/idempotency.ts). */
  idempotency: IdempotencyService;
  /** Where a run's document lives, e.g. `/cspace-services/runs`. */
  basePath: string;
  /** Files added as document items (`POST /runs/{id}/documents`). */
  uploadLimits: UploadLimits;
  /** Finished runs are purged this long after they complete (0: never); shown as `purgeDateTime`. */
  retentionMs: number;
  /** How often the event stream re-reads the run, for progress made by other processes. @defaultValue 1000 */
  eventPollMs?: number;
}

function dateParam(value: unknown, name: string): Date | undefined {
  const text = stringParam(value);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new ValidationError(`${name} must be an ISO-8601 date-time`, [{ path: name, message: `'${text}' is not a date-time` }]);
  }
  return date;
}

/** Log lines an event stream reads from the store at once. */
const LOG_EVENTS_PER_READ = 500;

/** `?level=` (that level and above) and `?item=` (an item's csid, or `*` for a whole invocation). */
function logQueryOf(query: Record<string, unknown>): RunLogQuery {
  const level = stringParam(query.level);
  if (level !== undefined && !isLogLevel(level)) {
    throw new ValidationError(`Unknown log level '${level}'`, [{ path: 'level', message: `must be ${LOG_LEVELS.join(', ')}` }]);
  }
  const item = stringParam(query.item);
  return { ...(level !== undefined && { level }), ...(item !== undefined && { itemKey: item }) };
}

/** The compact progress record an event carries. */
function progressOf(run: Run) {
  return {
    id: run.id,
    status: run.status,
    statusText: run.statusText,
    noOfItemsPosted: run.counts.posted,
    noOfItemsProcessed: run.counts.processed,
    noOfItemsFailed: run.counts.failed,
    noOfItemsCancelled: run.counts.cancelled,
    percentCompleted: percentCompleted(run.counts, run.status),
  };
}

export function runsRouter(options: RunsRouterOptions): Router {
  const { runs, basePath, retentionMs } = options;
  const eventPollMs = options.eventPollMs ?? 1000;
  const router = Router();
  const mayInvoke = requirePermission<{ id: string }>('invoke', 'invoke');
  const send = (res: Response, status: number, run: RunView) => {
    const purgeAt = purgeAtFor(run.completedAt, retentionMs);
    sendTree(
      res,
      status,
      encodeRunDocument(run, {
        ...(run.itemErrors && { itemErrors: run.itemErrors }),
        ...(purgeAt && { purgeAt }),
        resultsLink: `${basePath}/${run.id}/results`,
      }),
    );
  };

  router
    .route('/')
    .get(requirePermission('runs', 'list'), async (req, res) => {
      const status = stringParam(req.query.status);
      if (status !== undefined && !isRunStatus(status)) {
        throw new ValidationError(`Unknown run status '${status}'`, [
          { path: 'status', message: `must be ${RUN_STATUSES.join(', ')}` },
        ]);
      }
      const definition = stringParam(req.query.definition);
      const createdFrom = dateParam(req.query.createdFrom, 'createdFrom');
      const createdTo = dateParam(req.query.createdTo, 'createdTo');
      const page = await runs.list(callerOf(res).tenant, {
        ...(status !== undefined && { status }),
        ...(definition !== undefined && { definitionCsid: definition }),
        ...(createdFrom !== undefined && { createdFrom }),
        ...(createdTo !== undefined && { createdTo }),
        paging: pagingOf(req.query),
      });
      sendTree(res, 200, encodeCommonList(page, RUN_LIST_SPEC));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id')
    .get(requirePermission('runs', 'read'), async (req, res) => send(res, 200, await runs.get(callerOf(res), req.params.id)))
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/results')
    .get(requirePermission('runs', 'read'), async (req, res) =>
      sendTree(res, 200, encodeInvocationResults(await runs.results(callerOf(res).tenant, req.params.id))),
    )
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/items')
    .get(requirePermission('runs', 'read'), async (req, res) => {
      const status = stringParam(req.query.status);
      if (status !== undefined && !isItemStatus(status)) {
        throw new ValidationError(`Unknown item status '${status}'`, [{ path: 'status', message: `must be ${ITEM_STATUSES.join(', ')}` }]);
      }
      const page = await runs.items(callerOf(res).tenant, req.params.id, {
        ...(status !== undefined && { status }),
        paging: pagingOf(req.query),
      });
      sendTree(res, 200, encodeCommonList(page, RUN_ITEM_LIST_SPEC));
    })
    // Added items run the plugin: the invoke permission is checked here first, the whole invoke rule by the service.
    .post(requirePermission('runs', 'update'), mayInvoke, idempotent(options.idempotency), async (req, res) => {
      const run = await runs.addItems(callerOf(res), req.params.id, decodeRunItems(readRequestTree(req, res)));
      send(res, 200, run);
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:id/documents')
    // Documents become records, then items the plugin runs on: both rights, and the invoke rule by the service.
    .post(
      requirePermission('runs', 'update'),
      mayInvoke,
      requirePermission('records', 'create'),
      readDocumentItems(options.uploadLimits),
      idempotent(options.idempotency, { bodyFingerprint: uploadFingerprint }),
      async (req, res) => {
        const { items } = await runs.addDocuments(callerOf(res), req.params.id, documentItemsOf(res), idempotencyKeyOf(res));
        sendTree(res, 201, encodeCommonList({ pageNum: 0, pageSize: items.length, totalItems: items.length, items }, DOCUMENT_ITEM_LIST_SPEC));
      },
    )
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id/log')
    .get(requirePermission('runs', 'read'), async (req, res) => {
      const page = await runs.log(callerOf(res).tenant, req.params.id, logQueryOf(req.query), pagingOf(req.query));
      sendTree(res, 200, encodeRunLog(page));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/close')
    // Closing lets the run finish, which runs the plugin's summary.
    .post(requirePermission('runs', 'update'), mayInvoke, async (req, res) => send(res, 200, await runs.close(callerOf(res), req.params.id)))
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id/cancel')
    // Cancelling runs no plugin code: the runs permission is enough.
    .post(requirePermission('runs', 'update'), async (req, res) => send(res, 200, await runs.cancel(callerOf(res), req.params.id)))
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id/rerun')
    // A rerun runs plugin code again.
    .post(requirePermission('runs', 'update'), mayInvoke, async (req, res) => {
      const only = stringParam(req.query.only);
      if (only !== undefined && only !== 'failed') {
        throw new ValidationError(`Unknown rerun scope '${only}'`, [{ path: 'only', message: "must be 'failed' or absent (whole run)" }]);
      }
      const run = await runs.rerun(callerOf(res), req.params.id, { onlyFailed: only === 'failed' });
      res.location(`${basePath}/${run.id}`);
      send(res, 202, run);
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id/events')
    .get(requirePermission('runs', 'read'), async (req, res) => {
      const caller = callerOf(res);
      const { tenant } = caller;
      const id = req.params.id;
      const first = await runs.get(caller, id);
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      let sequence = 0;
      let last = '';
      let ended = false;
      const cleanups: Array<() => void> = [];
      const end = () => {
        if (ended) return;
        ended = true;
        for (const cleanup of cleanups) cleanup();
        res.end();
      };
      // Log lines are stored with their items' outcomes, so each look at the run also sends the lines kept since
      // the last one; an ended run's lines are all kept before its final status, so they come before `end`.
      let lastLine = 0;
      const sendLog = async () => {
        for (;;) {
          const page = await runs.log(tenant, id, { afterLine: lastLine }, { pageNum: 0, pageSize: LOG_EVENTS_PER_READ });
          for (const line of page.items) {
            if (ended) return;
            lastLine = line.line;
            res.write(`event: log\nid: ${++sequence}\ndata: ${JSON.stringify(runLogLineFields(line))}\n\n`);
          }
          if (page.items.length < LOG_EVENTS_PER_READ) return;
        }
      };
      const show = async (run: Run) => {
        if (ended) return;
        await sendLog();
        if (ended) return;
        const data = JSON.stringify(progressOf(run));
        if (data !== last) {
          last = data;
          res.write(`event: progress\nid: ${++sequence}\ndata: ${data}\n\n`);
        }
        if (isFinalRunStatus(run.status)) {
          res.write(`event: end\nid: ${++sequence}\ndata: ${data}\n\n`);
          end();
        }
      };
      // One look at a time, in order, at the run as this caller is shown it; a run purged meanwhile (or a store
      // fault) ends the stream.
      let showing = Promise.resolve();
      const emit = (run: Run) => {
        showing = showing.then(async () => show(await runs.view(caller, run))).catch(end);
      };
      cleanups.push(runs.follow(tenant, id, eventPollMs, (run) => (run === undefined ? end() : emit(run))));
      // On shutdown the stream ends; an EventSource reconnects by itself to the restarted service (or another one).
      const shutdown = runs.shuttingDown;
      shutdown.addEventListener('abort', end, { once: true });
      cleanups.push(() => shutdown.removeEventListener('abort', end));
      res.on('close', end);
      emit(first);
    })
    .all(methodNotAllowed(['GET']));

  return router;
}
