import { expect } from 'chai';
import { buildJson, buildXml, encodeDomainError, encodeError } from '../../src/codec/index.js';
import { ValidationError } from '../../src/domain/errors.js';
import { XML_DECLARATION } from '../../src/codec/xmlCodec.js';

describe('encodeError', () => {
  const body = {
    status: 400,
    code: 'VALIDATION_FAILED',
    message: 'Invalid batch_common: batch_common/supportsGroup must be boolean',
    details: [
      { path: 'batch_common/supportsGroup', message: 'must be boolean' },
      { path: 'batch_common/colour', message: 'is not a known field' },
    ],
    requestId: 'req-1',
  };

  it('writes the XML error shape', () => {
    expect(buildXml(encodeError(body))).to.equal(
      `${XML_DECLARATION}<error><status>400</status><code>VALIDATION_FAILED</code>` +
        '<message>Invalid batch_common: batch_common/supportsGroup must be boolean</message>' +
        '<details><detail><path>batch_common/supportsGroup</path><message>must be boolean</message></detail>' +
        '<detail><path>batch_common/colour</path><message>is not a known field</message></detail></details>' +
        '<requestId>req-1</requestId></error>',
    );
  });

  it('writes the same shape as JSON, with string scalars', () => {
    expect(JSON.parse(buildJson(encodeError(body)))).to.deep.equal({
      error: {
        status: '400',
        code: 'VALIDATION_FAILED',
        message: body.message,
        details: { detail: body.details },
        requestId: 'req-1',
      },
    });
  });

  it('leaves out empty details and an absent request id', () => {
    const json = JSON.parse(buildJson(encodeError({ status: 404, code: 'NOT_FOUND', message: "batch 'x' was not found" })));
    expect(json).to.deep.equal({ error: { status: '404', code: 'NOT_FOUND', message: "batch 'x' was not found" } });
  });

  it('encodes a DomainError with the status chosen by the caller', () => {
    const error = new ValidationError('bad', [{ path: 'a', message: 'is required' }]);
    const json = JSON.parse(buildJson(encodeDomainError(error, 400, 'r')));
    expect(json.error).to.deep.equal({
      status: '400',
      code: 'VALIDATION_FAILED',
      message: 'bad',
      details: { detail: { path: 'a', message: 'is required' } },
      requestId: 'r',
    });
  });
});
