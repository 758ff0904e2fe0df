/**
 * MongoDB's side of the store's health: a probe (`hello`, answered by any member, with a short time limit) and
 * the driver errors that mean the server cannot be reached or will not take writes, which every store call
 * reports as `StoreUnavailableError` (503) instead of letting them surface as internal errors (500).
 */
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Db,
} from 'mongodb';
import type { StoreProblem } from '../../domain/errors.js';
import type { StoreHealth } from '../health.js';

/** The store's one part on MongoDB. */
const PART = 'server';

/** How long the probe waits for the server's answer. */
export const MONGO_PROBE_TIMEOUT_MS = 1_000;

/** Server error codes of a member that will not take writes now (not primary, stepping down, shutting down). */
const NOT_WRITABLE_CODES = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);
/** OutOfDiskSpace. */
const DISK_FULL_CODE = 14031;

const UNREACHABLE: StoreProblem = { kind: 'unreachable', message: 'the MongoDB server cannot be reached' };
const NOT_WRITABLE: StoreProblem = { kind: 'read-only', message: 'the MongoDB server does not take writes (no writable primary)' };
const FULL: StoreProblem = { kind: 'full', message: 'the MongoDB server is out of disk space' };

export function mongoProblemOf(error: unknown): StoreProblem | undefined {
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  ) {
    return UNREACHABLE;
  }
  if (error instanceof MongoServerError) {
    if (typeof error.code === 'number' && NOT_WRITABLE_CODES.has(error.code)) return NOT_WRITABLE;
    if (error.code === DISK_FULL_CODE) return FULL;
  }
  return undefined;
}

/** A server fault among errors met outside the store's own calls (Agenda's, on the same server). */
export function classifyMongoError(_source: string, error: unknown): { part: string; problem: StoreProblem } | undefined {
  const problem = mongoProblemOf(error);
  return problem === undefined ? undefined : { part: PART, problem };
}

/** `promise`, or a rejection once `ms` have passed without an answer. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Asks the server whether it takes writes; records the answer in `health`. */
export async function probeMongo(db: Db, health: StoreHealth): Promise<void> {
  try {
    const hello = await withTimeout(db.admin().command({ hello: 1 }), MONGO_PROBE_TIMEOUT_MS);
    // A mongos answers `msg: 'isdbgrid'` and routes writes itself.
    if (hello.isWritablePrimary !== true && hello.msg !== 'isdbgrid') health.fault(PART, NOT_WRITABLE);
    else health.clear(PART);
  } catch (error) {
    health.fault(PART, mongoProblemOf(error) ?? UNREACHABLE, error);
  }
}

/**
 * `target` with every method that answers a promise reporting the server's faults: such a rejection becomes
 * `StoreUnavailableError` (recorded in `health`), and a success clears a recorded fault. Methods answering
 * anything else (the `scan` iterators) are passed through as they are; object members (the auth store's
 * parts) report alike.
 */
export function reportingFaults<T extends object>(target: T, health: StoreHealth): T {
  // The auth store's parts (tenants, users, roles, tokens) are stores of their own.
  const parts = new Map<PropertyKey, object>();
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value === 'object' && value !== null) {
        if (!parts.has(key)) parts.set(key, reportingFaults(value, health));
        return parts.get(key);
      }
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(object, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (answer: unknown) => {
            if (!health.healthy) health.clear(PART);
            return answer;
          },
          (error: unknown) => {
            const problem = mongoProblemOf(error);
            throw problem === undefined ? error : health.fault(PART, problem, error);
          },
        );
      };
    },
  });
}
