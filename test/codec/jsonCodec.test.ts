import { expect } from 'chai';
import { buildJson, parseJsonTree } from '../../src/codec/index.js';
import { expectDomainError } from './support/codecs.js';

describe('parseJsonTree', () => {
  it('keeps the structure, trims strings and keeps numbers, booleans and null', () => {
    expect(parseJsonTree({ doc: { '@name': 'x', a: ' y ', n: 4, b: false, z: null, list: [' 1', { c: '2 ' }] } })).to.deep.equal({
      doc: { '@name': 'x', a: 'y', n: 4, b: false, z: null, list: ['1', { c: '2' }] },
    });
  });

  it('refuses a body that is not an object with one root element', () => {
    for (const body of [undefined, null, 'text', 3, ['a'], {}, { a: 1, b: 2 }]) {
      expectDomainError(() => parseJsonTree(body), 'MALFORMED_BODY');
    }
  });

  it('refuses arrays of arrays, with their path', () => {
    const error = expectDomainError(() => parseJsonTree({ doc: { list: [['a']] } }), 'MALFORMED_BODY');
    expect(error.details).to.deep.equal([{ path: 'doc/list/0', message: 'arrays of arrays have no XML equivalent' }]);
  });

  it('refuses structured attributes and text', () => {
    expectDomainError(() => parseJsonTree({ doc: { '@name': { x: 1 } } }), 'MALFORMED_BODY');
    expectDomainError(() => parseJsonTree({ doc: { '.': ['x'] } }), 'MALFORMED_BODY');
  });

  it('refuses a __proto__ key as JSON.parse delivers it', () => {
    const error = expectDomainError(() => parseJsonTree(JSON.parse('{"doc": {"__proto__": {"polluted": true}}}')), 'MALFORMED_BODY');
    expect(error.details[0]?.path).to.equal('doc/__proto__');
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });
});

describe('buildJson', () => {
  it('writes every scalar as a string, single occurrences as scalars and drops empty lists', () => {
    const json = buildJson({ doc: { flag: true, n: 7, none: null, one: ['x'], zero: [], skipped: undefined } });
    expect(JSON.parse(json)).to.deep.equal({ doc: { flag: 'true', n: '7', none: '', one: 'x' } });
  });
});
