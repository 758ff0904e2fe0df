import { expect } from 'chai';
import {
  codecForContentType,
  DEFAULT_MEDIA_TYPE,
  MEDIA_CODECS,
  RESPONSE_MEDIA_TYPES,
} from '../../src/codec/index.js';
import { expectDomainError } from './support/codecs.js';

describe('media types', () => {
  it('defaults to XML and answers in XML or JSON', () => {
    expect(DEFAULT_MEDIA_TYPE).to.equal('application/xml');
    expect(RESPONSE_MEDIA_TYPES).to.deep.equal(['application/xml', 'application/json']);
  });

  it('finds the codec by Content-Type, ignoring case and parameters', () => {
    expect(codecForContentType('application/xml; charset=UTF-8')).to.equal(MEDIA_CODECS['application/xml']);
    expect(codecForContentType('TEXT/XML')).to.equal(MEDIA_CODECS['text/xml']);
    expect(codecForContentType('application/json')).to.equal(MEDIA_CODECS['application/json']);
    expect(codecForContentType('text/plain')).to.equal(undefined);
    expect(codecForContentType(undefined)).to.equal(undefined);
  });

  it('decodes XML from a string or UTF-8 bytes and JSON from the parsed value', () => {
    const xml = MEDIA_CODECS['application/xml'];
    expect(xml.decode('<a>é</a>')).to.deep.equal({ a: 'é' });
    expect(xml.decode(Buffer.from('<a>é</a>', 'utf8'))).to.deep.equal({ a: 'é' });
    expect(MEDIA_CODECS['application/json'].decode({ a: 'x' })).to.deep.equal({ a: 'x' });
  });

  it('refuses bytes that are not UTF-8 and a missing body', () => {
    const xml = MEDIA_CODECS['application/xml'];
    expectDomainError(() => xml.decode(Uint8Array.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])), 'MALFORMED_BODY');
    expectDomainError(() => xml.decode(undefined), 'MALFORMED_BODY');
  });

  it('encodes with the codec of each type and names a content type with charset', () => {
    expect(MEDIA_CODECS['application/json'].encode({ a: 1 })).to.equal('{"a":"1"}');
    expect(MEDIA_CODECS['text/xml'].encode({ a: 1 })).to.match(/<a>1<\/a>$/);
    expect(MEDIA_CODECS['application/json'].contentType).to.equal('application/json; charset=utf-8');
  });
});
