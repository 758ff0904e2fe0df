/**
 * A small XmlReplay: replays a CollectionSpace-style control file (test/fixtures/xmlreplay/README.md says which
 * of XmlReplay's features it reads) against a running service, test by test, in order. It answers one outcome
 * per test; the caller asserts on them, so a failure names the test that went wrong.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseXml } from '../../src/codec/index.js';
import { asArray, isDocNode, isElementKey, localName, type DocNode, type DocValue } from '../../src/codec/tree.js';
import type { TestService } from './testService.js';

export interface ReplayOutcome {
  /** `group/test`, as the control file names them. */
  id: string;
  method: string;
  uri: string;
  status: number;
  expectedCodes: number[] | 'any 2xx';
  /** Elements the expected response holds that the answer lacks (ADDOK), as `path = text`. */
  missing: string[];
  body: string;
}

interface Recorded {
  csid?: string;
  vars: Record<string, string>;
  body: string;
}

const VAR = /\$\{([^}]+)\}/g;

function text(node: DocNode, name: string): string | undefined {
  const value = node[name];
  return value === undefined || value === null || isDocNode(value) || Array.isArray(value) ? undefined : String(value);
}

/** Every leaf element of a tree as `a/b/c = text`, by local names (prefixes and attributes do not matter). */
function leaves(value: DocValue | undefined, at: string, into: string[] = []): string[] {
  for (const item of asArray(value)) {
    if (isDocNode(item)) {
      const children = Object.entries(item).filter(([key]) => isElementKey(key));
      if (children.length === 0) into.push(`${at} = `);
      for (const [key, child] of children) leaves(child, `${at}/${localName(key)}`, into);
    } else {
      into.push(`${at} = ${item === null ? '' : String(item)}`);
    }
  }
  return into;
}

/** The first element named `name` anywhere in the tree, as text. */
function firstText(value: DocValue | undefined, name: string): string | undefined {
  for (const item of asArray(value)) {
    if (!isDocNode(item)) continue;
    for (const [key, child] of Object.entries(item)) {
      if (!isElementKey(key)) continue;
      if (localName(key) === name && !isDocNode(child) && !Array.isArray(child)) return child === null ? '' : String(child);
      const found = firstText(child, name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function codesOf(test: DocNode): number[] | 'any 2xx' {
  const codes = text(test, 'expectedCodes');
  return codes === undefined ? 'any 2xx' : codes.split(',').map((code) => Number(code.trim()));
}

export async function replay(service: TestService, fixturesDir: string, controlFile: string): Promise<ReplayOutcome[]> {
  const control = parseXml(await readFile(path.join(fixturesDir, controlFile), 'utf8')).xmlReplay as DocNode;
  const auths = new Map<string, string>();
  for (const auth of asArray((control.auths as DocNode | undefined)?.auth)) {
    if (isDocNode(auth)) auths.set(String(auth['@ID']), String(auth['.']));
  }
  let currentAuth = [...auths.values()][0];
  const recorded = new Map<string, Recorded>();

  /** `${name}` from `own` vars, `${ID.CSID}`, `${ID.var}` or `${ID.got("//element")}` from earlier tests. */
  const resolve = (template: string, own: Record<string, string>): string =>
    template.replace(VAR, (whole, expression: string) => {
      if (expression in own) return own[expression] as string;
      const [, testId, rest] = /^([^.]+)\.(.+)$/.exec(expression) ?? [];
      const test = testId === undefined ? undefined : recorded.get(testId);
      if (test === undefined || rest === undefined) throw new Error(`unresolved ${whole}`);
      const got = /^got\("\/\/([^"]+)"\)$/.exec(rest);
      const value = got !== null ? firstText(parseXml(test.body), got[1] as string) : rest === 'CSID' ? test.csid : test.vars[rest];
      if (value === undefined) throw new Error(`unresolved ${whole}`);
      return value;
    });

  const varsOf = (node: DocNode | undefined): Record<string, string> => {
    const vars: Record<string, string> = {};
    for (const item of asArray((node?.vars as DocNode | undefined)?.var)) {
      if (isDocNode(item)) vars[String(item['@ID'])] = resolve(String(item['.'] ?? ''), vars);
    }
    return vars;
  };

  const outcomes: ReplayOutcome[] = [];
  for (const group of asArray(control.testGroup)) {
    if (!isDocNode(group)) continue;
    for (const test of asArray(group.test)) {
      if (!isDocNode(test)) continue;
      const testId = String(test['@ID']);
      if (typeof test['@auth'] === 'string') currentAuth = auths.get(test['@auth']);
      const vars = varsOf(test);
      const method = text(test, 'method') ?? 'GET';
      const uri = resolve(text(test, 'uri') ?? '', vars);
      const filename = text(test, 'filename');
      const payload = filename === undefined ? undefined : resolve(await readFile(path.join(fixturesDir, filename), 'utf8'), vars);
      const res = await service.request(uri, {
        method,
        auth: null,
        headers: {
          Accept: 'application/xml',
          ...(currentAuth !== undefined && { Authorization: `Basic ${currentAuth}` }),
          ...(payload !== undefined && { 'Content-Type': 'application/xml' }),
        },
        ...(payload !== undefined && { body: payload }),
      });
      const body = await res.text();
      const location = res.headers.get('location');
      recorded.set(testId, { ...(location !== null && { csid: location.split('/').pop() as string }), vars, body });

      const missing: string[] = [];
      const response = test.response as DocNode | undefined;
      const expectedFile = response === undefined ? undefined : text(response, 'filename');
      if (expectedFile !== undefined) {
        const expected = resolve(await readFile(path.join(fixturesDir, expectedFile), 'utf8'), varsOf(response));
        const got = new Set(body === '' ? [] : leaves(parseXml(body), ''));
        missing.push(...leaves(parseXml(expected), '').filter((leaf) => !got.has(leaf)));
      }
      outcomes.push({ id: `${String(group['@ID'])}/${testId}`, method, uri, status: res.status, expectedCodes: codesOf(test), missing, body });
    }
  }
  return outcomes;
}
