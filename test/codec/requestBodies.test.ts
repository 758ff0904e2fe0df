import { expect } from 'chai';
import { checkJsonDepth, decodeUtf8Body, isUtf8Charset, MAX_DOCUMENT_DEPTH, parseXml } from '../../src/codec/index.js';
import { encodeError } from '../../src/codec/errorDocument.js';
import { NAMED_ITEMS_LIMIT, someOf } from '../../src/domain/errors.js';
import { expectDomainError } from './support/codecs.js';

const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const nestedXml = (depth: number, inner = 'x') => `${'<a>'.repeat(depth)}${inner}${'</a>'.repeat(depth)}`;

describe('request bodies', () => {
  describe('checkJsonDepth', () => {
    it(`accepts ${MAX_DOCUMENT_DEPTH} levels and refuses the next one where it opens`, () => {
      expect(() => checkJsonDepth(nestedJson(MAX_DOCUMENT_DEPTH))).to.not.throw();
      const error = expectDomainError(() => checkJsonDepth(nestedJson(MAX_DOCUMENT_DEPTH + 1)), 'MALFORMED_BODY');
      expect(error.message).to.equal(
        `Malformed JSON at line 1, column ${5 * MAX_DOCUMENT_DEPTH + 1}: nested more than ${MAX_DOCUMENT_DEPTH} levels deep (the limit for request documents)`,
      );
    });

    it('counts arrays as levels, and nothing inside strings, escaped quotes included', () => {
      expectDomainError(() => checkJsonDepth(`{"a":${'['.repeat(MAX_DOCUMENT_DEPTH)}${']'.repeat(MAX_DOCUMENT_DEPTH)}}`), 'MALFORMED_BODY');
      const brackets = '[{'.repeat(1000);
      expect(() => checkJsonDepth(JSON.stringify({ a: brackets, b: `\\"${brackets}`, c: ['x'] }))).to.not.throw();
    });
  });

  describe('XML depth', () => {
    it(`accepts ${MAX_DOCUMENT_DEPTH} nested elements and refuses the next one, with its line and column`, () => {
      expect(parseXml(nestedXml(MAX_DOCUMENT_DEPTH))).to.have.property('a');
      const error = expectDomainError(() => parseXml(`\n${nestedXml(MAX_DOCUMENT_DEPTH + 1)}`), 'MALFORMED_BODY');
      expect(error.message).to.equal(
        `Malformed XML at line 2, column ${3 * MAX_DOCUMENT_DEPTH + 1}: nested more than ${MAX_DOCUMENT_DEPTH} levels deep (the limit for request documents)`,
      );
    });

    it('counts neither empty-element tags, siblings, comments, CDATA nor a > in an attribute value', () => {
      const inner = `<e/><e a=">" b='/>'/><!-- <c><c><c> --><![CDATA[<d><d>]]><f x="1"></f>`;
      expect(() => parseXml(nestedXml(MAX_DOCUMENT_DEPTH - 1, inner))).to.not.throw();
      expectDomainError(() => parseXml(nestedXml(MAX_DOCUMENT_DEPTH, '<f x="1">y</f>')), 'MALFORMED_BODY');
    });
  });

  describe('decodeUtf8Body', () => {
    it('decodes valid UTF-8, keeping a byte order mark and a U+FFFD the client sent', () => {
      expect(decodeUtf8Body(Buffer.from('\uFEFFé\uFFFD𝄞', 'utf8'))).to.equal('\uFEFFé\uFFFD𝄞');
    });

    it('names the offset of the first invalid sequence, whatever comes before it', () => {
      const offsetOf = (bytes: Buffer) => expectDomainError(() => decodeUtf8Body(bytes), 'MALFORMED_BODY').message;
      const valid = Buffer.from('\uFEFFé\uFFFD𝄞', 'utf8');
      expect(offsetOf(Buffer.concat([valid, Buffer.from([0xff])]))).to.include(`at byte ${valid.length}`);
      expect(offsetOf(Buffer.concat([valid, Buffer.from([0xc3, 0x28])]))).to.include(`at byte ${valid.length}`);
      // A sequence cut short by the end of the body, and a surrogate encoded in UTF-8.
      expect(offsetOf(Buffer.from([0x61, 0xe2, 0x82]))).to.include('at byte 1');
      expect(offsetOf(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).to.include('at byte 2');
    });

    it('knows the labels of UTF-8 and no other charset', () => {
      for (const label of ['utf-8', 'UTF-8', 'utf8', 'unicode-1-1-utf-8']) expect(isUtf8Charset(label), label).to.equal(true);
      for (const label of ['iso-8859-1', 'utf-16', 'utf-32', 'x-unknown']) expect(isUtf8Charset(label), label).to.equal(false);
    });
  });

  describe('errors about long lists', () => {
    it(`name ${NAMED_ITEMS_LIMIT} items and count the rest, in the message and in the details`, () => {
      const ids = Array.from({ length: 25 }, (_, i) => `id${i}`);
      expect(someOf(ids.slice(0, 2))).to.equal("'id0', 'id1'");
      expect(someOf(ids)).to.equal(`${ids.slice(0, NAMED_ITEMS_LIMIT).map((id) => `'${id}'`).join(', ')} and 15 more`);
      const details = ids.map((id) => ({ path: 'csid', message: `${id} was not found` }));
      const encoded = encodeError({ status: 404, code: 'NOT_FOUND', message: 'm', details }) as any;
      expect(encoded.error.details.detail).to.have.length(NAMED_ITEMS_LIMIT + 1);
      expect(encoded.error.details.detail[NAMED_ITEMS_LIMIT]).to.deep.equal({ path: '(more)', message: '15 more not listed (25 in all)' });
    });
  });
});
