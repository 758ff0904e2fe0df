/**
 * The one log line per request (method, path, status, duration, request id) and the request id itself, sent back
 * as `X-Request-Id`. pino-http wrote the same line but made two child loggers and added `log`, `allLogs` and two
 * symbols to every request and response, whether anything logged through them or not; here the line is one call
 * to the service's logger, and a child logger is made only for the rare request that logs something of its own.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

declare module 'http' {
  interface IncomingMessage {
    /** Set by `requestLog` before any route runs: the client's `X-Request-Id` when well-formed, else a new UUID. */
    id?: string;
  }
}

const BASE_LOGGER = Symbol('requestLog.logger');
type Logged = Request & { [BASE_LOGGER]?: Logger };

/** A client's own request id is kept when it could not break a log line or a header. */
const CLIENT_REQUEST_ID = /^[\w.-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const id = req.headers['x-request-id'];
  return typeof id === 'string' && CLIENT_REQUEST_ID.test(id) ? id : randomUUID();
}

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdOf(req);
    req.id = requestId;
    (req as Logged)[BASE_LOGGER] = logger;
    res.setHeader('X-Request-Id', requestId);
    // Nothing to wait for when the line would not be written (a level above info): no listener, no line built.
    if (!logger.isLevelEnabled('info')) {
      next();
      return;
    }
    const start = Date.now();
    // A response emits 'close' once, whether it finished or its connection went first (the client went away).
    res.once('close', () => {
      logger.info({ requestId, ...requestLine(req, res, Date.now() - start) }, 'request');
    });
    next();
  };
}

/** A logger whose lines carry the request's id, for a route that has something of its own to log. */
export function loggerOf(req: Request): Logger {
  const logger = (req as Logged)[BASE_LOGGER];
  if (logger === undefined) throw new Error('No request logger: requestLog was not mounted before this route');
  return logger.child({ requestId: req.id });
}

function requestLine(req: Request, res: ServerResponse, ms: number) {
  // Routers rewrite req.url while they run; the path as requested is Express's originalUrl.
  return { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms };
}
