import { expect } from 'chai';
import { buildJson, buildXml, parseXml } from '../../src/codec/index.js';
import { CODECS, scalarLeaves } from './support/codecs.js';
import { runRoundTripSuite, sampleOutputTrees } from './support/roundTripSuite.js';

for (const codec of CODECS) runRoundTripSuite(codec);

describe('output of both codecs', () => {
  for (const { name, tree } of sampleOutputTrees()) {
    it(`${name}: JSON has only string scalars`, () => {
      for (const leaf of scalarLeaves(JSON.parse(buildJson(tree)))) {
        expect(leaf.value, leaf.path).to.be.a('string');
      }
    });

    it(`${name}: XML and JSON output mirror each other`, () => {
      expect(parseXml(buildXml(tree))).to.deep.equal(JSON.parse(buildJson(tree)));
    });
  }
});
