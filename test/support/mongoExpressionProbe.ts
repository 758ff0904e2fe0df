/**
 * Which aggregation expression operators a MongoDB server evaluates, asked once by running each on one document.
 * MongoDB 4.4 and later has every operator our filters use (src/store/mongo/listItemsExpression.ts follows its
 * documentation); wire-protocol emulators the suites may run on lack some. A test whose query needs an operator
 * the server lacks is skipped with a printed reason naming the operator and the server: the gap is the server's,
 * and failing on it would say nothing about our query. Nothing is skipped on a server that has the operators.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Document, MongoClient } from 'mongodb';

/**
 * One expression per operator, rooted at that operator where it can stand alone, true on a server that
 * evaluates it as MongoDB documents it. Variables are bound the way the filters bind them (`as`, `$$this`).
 */
const PROBES: Record<string, Document> = {
  $anyElementTrue: { $anyElementTrue: [[false, true]] },
  $eq: { $eq: [1, 1] },
  $lt: { $lt: [1, 2] },
  $lte: { $lte: [2, 2] },
  $gt: { $gt: [2, 1] },
  $gte: { $gte: [2, 2] },
  $or: { $or: [false, true] },
  $in: { $in: ['b', ['a', 'b']] },
  $isArray: { $isArray: [[1]] },
  $isNumber: { $isNumber: 1 },
  $regexMatch: { $regexMatch: { input: 'Abc', regex: '^a', options: 'i' } },
  $type: { $eq: [{ $type: 'a' }, 'string'] },
  $literal: { $eq: [{ $literal: '$a' }, { $literal: '$a' }] },
  $size: { $eq: [{ $size: [[1, 2]] }, 2] },
  $cond: { $eq: [{ $cond: [false, 1, 2] }, 2] },
  $switch: { $eq: [{ $switch: { branches: [{ case: false, then: 1 }], default: 2 } }, 2] },
  $concatArrays: { $eq: [{ $concatArrays: [[1], [2]] }, [1, 2]] },
  $objectToArray: { $eq: [{ $objectToArray: { a: 1 } }, [{ k: 'a', v: 1 }]] },
  $filter: { $eq: [{ $filter: { input: [1, 2], as: 'n', cond: { $eq: ['$$n', 2] } } }, [2]] },
  $map: { $eq: [{ $map: { input: [1, 2], as: 'n', in: ['$$n'] } }, [[1], [2]]] },
  $reduce: { $eq: [{ $reduce: { input: [1, 2], initialValue: 0, in: ['$$value', '$$this'] } }, [[0, 1], 2]] },
};

/** What the server did with one probe: `undefined` when it answered as MongoDB does. */
type ProbeOutcome = string | undefined;

export interface ExpressionSupport {
  /** Why `filter` cannot run as MongoDB would run it on this server, or `undefined` when it can. */
  missingFor(filter: Document): string | undefined;
}

/** The operators `$expr` values in `filter` use: those at the top of an `$expr`, and all of them. */
function expressionOperators(filter: unknown, found = { top: new Set<string>(), all: new Set<string>() }, inExpr = false) {
  if (Array.isArray(filter)) {
    for (const element of filter) expressionOperators(element, found, inExpr);
  } else if (typeof filter === 'object' && filter !== null && !(filter instanceof Date) && !(filter instanceof RegExp)) {
    for (const [key, value] of Object.entries(filter)) {
      if (key === '$expr') {
        for (const top of Object.keys(value as Document)) found.top.add(top);
        expressionOperators(value, found, true);
      } else {
        if (inExpr && key.startsWith('$')) found.all.add(key);
        // A `$literal`'s value is data, never operators.
        if (key !== '$literal') expressionOperators(value, found, inExpr);
      }
    }
  }
  return found;
}

/** Runs `$expr: asked` on the one document; `probed` is the operator's expression, named in a wrong answer. */
async function probe(collection: Collection, asked: Document, probed: Document): Promise<ProbeOutcome> {
  try {
    const found = await collection.findOne({ $expr: asked });
    return found === null ? `${JSON.stringify(probed)} is not true` : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The hosts a connection string names, without its credentials, options or database. */
function hostsOf(uri: string): string {
  return uri.replace(/^[^:]+:\/\/(?:[^@/]*@)?([^/?]*).*$/, '$1');
}

/** Probes the server at `uri` (`client` is connected to it) once, in a database of its own, dropped after. */
export async function probeExpressionSupport(client: MongoClient, uri: string): Promise<ExpressionSupport> {
  const db = client.db(`inv_expression_probe_${randomUUID().slice(0, 8)}`);
  const nested = new Map<string, ProbeOutcome>();
  const top = new Map<string, ProbeOutcome>();
  let server: string;
  try {
    const collection = db.collection('probe');
    await collection.insertOne({ _id: 1 as never });
    for (const [operator, expression] of Object.entries(PROBES)) {
      // Inside `$eq`, and alone at the top of `$expr`: a server may read the top of `$expr` as a query operator.
      nested.set(operator, await probe(collection, { $eq: [expression, true] }, expression));
      if (Object.keys(expression)[0] === operator) top.set(operator, await probe(collection, expression, expression));
    }
    const { version } = await db.admin().command({ buildInfo: 1 });
    server = `the server at ${hostsOf(uri)} (reporting version ${String(version)})`;
  } finally {
    await db.dropDatabase();
  }
  return {
    missingFor(filter) {
      const used = expressionOperators(filter);
      const gaps: string[] = [];
      const check = (operator: string, outcomes: Map<string, ProbeOutcome>, where: string) => {
        if (!outcomes.has(operator)) throw new Error(`no probe for ${operator} ${where}: add one to test/support/mongoExpressionProbe.ts`);
        const outcome = outcomes.get(operator);
        if (outcome !== undefined) gaps.push(`${operator} ${where} (${outcome})`);
      };
      for (const operator of used.top) check(operator, top, 'at the top of $expr');
      for (const operator of used.all) check(operator, nested, 'in an expression');
      return gaps.length === 0 ? undefined : `needs ${gaps.join(', ')}, which ${server} does not evaluate as MongoDB does`;
    },
  };
}
