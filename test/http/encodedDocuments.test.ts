import { expect } from 'chai';
import { EncodedDocuments } from '../../src/http/encodedDocuments.js';

describe('http: encoded documents kept by key', () => {
  it('encodes a key once, and lets the earliest encoded go when full', () => {
    const kept = new EncodedDocuments<string>(2);
    const encoded: string[] = [];
    const encode = (key: string) => kept.encoding(key, () => (encoded.push(key), `<${key}/>`));
    expect([encode('a'), encode('a'), encode('b'), encode('a')]).to.deep.equal(['<a/>', '<a/>', '<b/>', '<a/>']);
    expect(encoded).to.deep.equal(['a', 'b']);
    encode('c');
    expect(encode('b')).to.equal('<b/>');
    expect(encode('a')).to.equal('<a/>');
    expect(encoded, 'a went first, then b stayed').to.deep.equal(['a', 'b', 'c', 'a']);
  });
});
