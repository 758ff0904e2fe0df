/**
 * The round-trip suite, written once and run against each codec: golden fixtures decode to the expected
 * domain values, and encode → build → parse → decode gives back the same value.
 */
import { expect } from 'chai';
import {
  decodeBatchDocument,
  decodeInvocationContext,
  decodeRecordDocument,
  decodeRelationDocument,
  encodeBatchDocument,
  encodeInvocationContext,
  encodeRecordDocument,
  encodeRelationDocument,
  type DocTree,
} from '../../../src/codec/index.js';
import type { Csid } from '../../../src/domain/types.js';
import { readFixture, type CodecUnderTest } from './codecs.js';
import { BATCH_GOLDENS, INVOCATION_GOLDENS, RECORD_GOLDENS, RELATION_GOLDENS, testCore, type Golden } from './goldens.js';

interface DocumentKind<T> {
  name: string;
  goldens: Golden<T>[];
  decode(tree: DocTree): T;
  encode(value: T): DocTree;
}

const CSID = '5a1c2e7b-90d4-4d0a-8c1e' as Csid;

const KINDS = [
  {
    name: 'batch document',
    goldens: BATCH_GOLDENS,
    decode: decodeBatchDocument,
    encode: (definition) => encodeBatchDocument({ csid: CSID, definition, core: testCore() }),
  } satisfies DocumentKind<(typeof BATCH_GOLDENS)[number]['expected']>,
  {
    name: 'invocation context',
    goldens: INVOCATION_GOLDENS,
    decode: decodeInvocationContext,
    encode: encodeInvocationContext,
  } satisfies DocumentKind<(typeof INVOCATION_GOLDENS)[number]['expected']>,
  {
    name: 'relation document',
    goldens: RELATION_GOLDENS,
    decode: decodeRelationDocument,
    encode: (relation) => encodeRelationDocument({ ...relation, csid: CSID, core: testCore() }),
  } satisfies DocumentKind<(typeof RELATION_GOLDENS)[number]['expected']>,
  {
    name: 'record document',
    goldens: RECORD_GOLDENS,
    decode: decodeRecordDocument,
    encode: ({ docType, fields }) =>
      encodeRecordDocument({ csid: CSID, docType: docType ?? 'CollectionObject', fields, core: testCore() }),
  } satisfies DocumentKind<(typeof RECORD_GOLDENS)[number]['expected']>,
];

function describeKind<T>(codec: CodecUnderTest, kind: DocumentKind<T>): void {
  describe(kind.name, () => {
    for (const { stem, expected } of kind.goldens) {
      const file = `${stem}.${codec.extension}`;

      it(`decodes ${file} to the golden value`, () => {
        expect(kind.decode(codec.parse(readFixture(file)))).to.deep.equal(expected);
      });

      it(`encodes and decodes the value of ${stem} unchanged`, () => {
        const text = codec.build(kind.encode(expected));
        expect(kind.decode(codec.parse(text))).to.deep.equal(expected);
      });
    }
  });
}

export function runRoundTripSuite(codec: CodecUnderTest): void {
  describe(`round trip through the ${codec.name} codec`, () => {
    for (const kind of KINDS) describeKind<never>(codec, kind as unknown as DocumentKind<never>);
  });
}

/** Every encoder's trees, for checks that apply to all output. */
export function sampleOutputTrees(): Array<{ name: string; tree: DocTree }> {
  return KINDS.flatMap((kind) =>
    (kind.goldens as Golden<never>[]).map(({ stem, expected }) => ({
      name: `${kind.name} ${stem}`,
      tree: (kind.encode as (value: never) => DocTree)(expected),
    })),
  );
}
