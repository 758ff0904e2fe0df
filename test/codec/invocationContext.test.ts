import { expect } from 'chai';
import {
  buildJson,
  buildXml,
  decodeInvocationContext,
  encodeInvocationResults,
  parseJsonTree,
  parseXml,
} from '../../src/codec/index.js';
import { expectDomainError } from './support/codecs.js';

const NS = 'http://collectionspace.org/services/common/invocable';

function contextXml(body: string): ReturnType<typeof parseXml> {
  return parseXml(`<ns2:invocationContext xmlns:ns2="${NS}">${body}</ns2:invocationContext>`);
}

describe('decodeInvocationContext', () => {
  it('keeps mode a free string for later checks', () => {
    expect(decodeInvocationContext(contextXml('<mode>garbage</mode>'))).to.deep.equal({ mode: 'garbage', listCSIDs: [], params: [] });
  });

  it('accepts an empty context, an unprefixed root and report/export-only elements', () => {
    expect(decodeInvocationContext(parseXml('<invocationContext/>'))).to.deep.equal({ listCSIDs: [], params: [] });
    const payload = decodeInvocationContext(
      contextXml('<mode>list</mode><vocabulary>v</vocabulary><includeFields><field name="n">a/b</field><field>c</field></includeFields><query><kw>x</kw></query>'),
    );
    expect(payload).to.deep.equal({ mode: 'list', listCSIDs: [], params: [] });
  });

  it('reads a single csid and a param without a value', () => {
    const payload = decodeInvocationContext(
      contextXml('<mode>list</mode><listCSIDs><csid>a</csid></listCSIDs><params><param><key>dryRun</key><value/></param></params>'),
    );
    expect(payload).to.deep.equal({ mode: 'list', listCSIDs: ['a'], params: [{ key: 'dryRun', value: '' }] });
  });

  it('reads the runs to follow and the rule for their failure (not CollectionSpace\'s) the same in XML and JSON', () => {
    const xml = decodeInvocationContext(
      contextXml('<mode>nocontext</mode><after><runId> r1 </runId><runId>r2</runId></after><afterFailure>start</afterFailure>'),
    );
    expect(xml).to.deep.equal({ mode: 'nocontext', listCSIDs: [], params: [], after: ['r1', 'r2'], afterFailure: 'start' });
    const json = decodeInvocationContext(
      parseJsonTree({ 'ns2:invocationContext': { '@xmlns:ns2': NS, mode: 'nocontext', after: { runId: ['r1', 'r2'] }, afterFailure: 'start' } }),
    );
    expect(json).to.deep.equal(xml);
    expect(decodeInvocationContext(contextXml('<after><runId>r1</runId></after>')).after, 'one id').to.deep.equal(['r1']);
    expect(decodeInvocationContext(contextXml('<after/>')), 'none').to.deep.equal({ listCSIDs: [], params: [] });
  });

  it('names unknown elements by their path', () => {
    const error = expectDomainError(
      () => decodeInvocationContext(contextXml('<mode>list</mode><csids><csid>a</csid></csids><params><param><name>k</name></param></params>')),
      'VALIDATION_FAILED',
    );
    expect(error.details).to.deep.equal([
      { path: 'invocationContext/csids', message: 'is not a known field' },
      { path: 'invocationContext/params/param/0/name', message: 'is not a known field' },
    ]);
  });

  it('refuses another root and a foreign namespace', () => {
    expectDomainError(() => decodeInvocationContext(parseXml('<document name="batch"/>')), 'VALIDATION_FAILED');
    expectDomainError(
      () => decodeInvocationContext(parseJsonTree({ 'ns2:invocationContext': { '@xmlns:ns2': 'urn:other', mode: 'single' } })),
      'VALIDATION_FAILED',
    );
  });

  it('refuses structure where text is expected', () => {
    const error = expectDomainError(
      () => decodeInvocationContext(parseJsonTree({ invocationContext: { mode: { value: 'single' } } })),
      'VALIDATION_FAILED',
    );
    expect(error.details).to.deep.equal([{ path: 'invocationContext/mode', message: 'must be string' }]);
  });
});

describe('encodeInvocationResults', () => {
  it('omits absent fields and always writes numAffected', () => {
    const tree = encodeInvocationResults({});
    expect(JSON.parse(buildJson(tree))).to.deep.equal({
      'ns2:invocationResults': { '@xmlns:ns2': NS, numAffected: '0' },
    });
    expect(buildXml(tree)).to.match(/<ns2:invocationResults xmlns:ns2="[^"]+"><numAffected>0<\/numAffected><\/ns2:invocationResults>$/);
  });

  it('writes primaryURICreated, userNote and numAffected in XSD order, as strings in JSON', () => {
    const tree = encodeInvocationResults({ numAffected: 1, userNote: 'Created a loan', primaryURICreated: '6b2f1d90' });
    const json = buildJson(tree);
    expect(json).to.equal(
      `{"ns2:invocationResults":{"@xmlns:ns2":"${NS}","primaryURICreated":"6b2f1d90","userNote":"Created a loan","numAffected":"1"}}`,
    );
  });
});
