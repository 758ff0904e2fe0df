/** The two codecs under one interface, so suites run unchanged against both, plus fixture access. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { buildJson, buildXml, parseJsonTree, parseXml, type DocTree } from '../../../src/codec/index.js';
import { DomainError, type ErrorCode } from '../../../src/domain/errors.js';

export interface CodecUnderTest {
  name: 'XML' | 'JSON';
  extension: 'xml' | 'json';
  /** Body text → tree, as src/http does after its body parser. */
  parse(text: string): DocTree;
  build(tree: DocTree): string;
}

export const XML_CODEC: CodecUnderTest = { name: 'XML', extension: 'xml', parse: parseXml, build: buildXml };
export const JSON_CODEC: CodecUnderTest = {
  name: 'JSON',
  extension: 'json',
  parse: (text) => parseJsonTree(JSON.parse(text)),
  build: buildJson,
};
export const CODECS = [XML_CODEC, JSON_CODEC] as const;

const FIXTURES = new URL('../../fixtures/codec/', import.meta.url);

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(name, FIXTURES));
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** Runs `action`, expects a `DomainError` with `code`, and returns it for further checks. */
export function expectDomainError(action: () => unknown, code: ErrorCode): DomainError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a DomainError').to.be.instanceOf(DomainError);
  const error = caught as DomainError;
  expect(error.code, error.message).to.equal(code);
  return error;
}

/** Every scalar leaf of a parsed JSON value, with its path. */
export function scalarLeaves(value: unknown, path = ''): Array<{ path: string; value: unknown }> {
  if (Array.isArray(value)) return value.flatMap((item, index) => scalarLeaves(item, `${path}/${index}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, member]) => scalarLeaves(member, `${path}/${key}`));
  }
  return [{ path, value }];
}
