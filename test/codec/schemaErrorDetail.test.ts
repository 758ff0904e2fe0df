import { Ajv } from 'ajv';
import { expect } from 'chai';
import { toErrorDetail } from '../../src/codec/schemaValidator.js';

describe('toErrorDetail', () => {
  const details = (schema: object, value: unknown) => {
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    expect(validate(value)).to.equal(false);
    return (validate.errors ?? []).map((error) => toErrorDetail(error, 'invocationContext/params'));
  };

  it('names the missing member of a draft-07 property dependency, and what made it required', () => {
    const schema = { type: 'object', properties: { notify: { type: 'boolean' }, email: { type: 'string' } }, dependencies: { notify: ['email'] } };
    expect(details(schema, { notify: true })).to.deep.equal([
      { path: 'invocationContext/params/email', message: 'is required when notify is given' },
    ]);
  });

  it('names a missing required member, and an unknown one', () => {
    const schema = { type: 'object', properties: { format: { type: 'string' } }, required: ['format'], additionalProperties: false };
    expect(details(schema, { colour: 'red' })).to.deep.equal([
      { path: 'invocationContext/params/format', message: 'is required' },
      { path: 'invocationContext/params/colour', message: 'is not a known field' },
    ]);
  });
});
