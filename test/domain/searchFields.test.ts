import { expect } from 'chai';
import { parseAdvancedSearch } from '../../src/codec/nxqlParser.js';
import { ValidationError } from '../../src/domain/errors.js';
import { resolveDefinitionSearch, resolveRecordSearch } from '../../src/domain/searchFields.js';

const definitionField = (text: string) => {
  const condition = resolveDefinitionSearch(parseAdvancedSearch(text));
  return 'path' in condition ? condition.path.field : undefined;
};

function refusal(resolve: (text: string) => unknown, text: string): string {
  try {
    resolve(text);
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).details[0]?.path).to.equal('as');
    return (error as ValidationError).message;
  }
  throw new Error(`expected ${text} to be refused`);
}

const definitions = (text: string) => resolveDefinitionSearch(parseAdvancedSearch(text));
const records = (text: string) => resolveRecordSearch(parseAdvancedSearch(text));

describe('advanced search fields', () => {
  describe('batch definitions', () => {
    it('resolves the batch_common and collectionspace_core fields cspace-ui names', () => {
      expect(definitionField('batch_common:name ILIKE "%a%"')).to.deep.equal({ kind: 'text', name: 'name' });
      expect(definitionField('batch_common:forDocTypes/* = "Group"')).to.deep.equal({ kind: 'textList', name: 'forDocTypes' });
      expect(definitionField('batch_common:forDocTypes/forDocType = "Group"')).to.deep.equal({ kind: 'textList', name: 'forDocTypes' });
      expect(definitionField('batch_common:forRoles/*2 = "R"')).to.deep.equal({ kind: 'textList', name: 'forRoles' });
      expect(definitionField('batch_common:supportsGroup = 1')).to.deep.equal({ kind: 'flag', name: 'supportsGroup' });
      expect(definitionField('collectionspace_core:updatedAt > TIMESTAMP "2024-01-01T00:00:00Z"')).to.deep.equal({
        kind: 'coreTime',
        name: 'updatedAt',
      });
      expect(definitionField('collectionspace_core:createdBy = "a"')).to.deep.equal({ kind: 'coreText', name: 'createdBy' });
    });

    it('refuses unknown fields, naming them', () => {
      expect(refusal(definitions, 'batch_common:filename = "x"')).to.equal(
        'Unsupported advanced search (as): unknown field for batch definitions at position 1: "batch_common:filename"',
      );
      expect(refusal(definitions, 'batch_common:name = "a" OR reports_common:name = "x"')).to.match(
        /unknown field for batch definitions at position 28: "reports_common:name"$/,
      );
      expect(refusal(definitions, 'batch_common:forDocTypes/*/x = "a"')).to.match(/unknown field .*"batch_common:forDocTypes\/\*\/x"$/);
      expect(refusal(definitions, 'batch_common:name/* = "a"')).to.match(/unknown field/);
      expect(refusal(definitions, 'ecm:name = "a"')).to.match(/unknown field for batch definitions at position 1: "ecm:name"$/);
      expect(refusal(definitions, 'collectionspace_core:workflowState = "x"')).to.match(/unknown field/);
      for (const inherited of ['toString', 'constructor', '__proto__']) {
        expect(refusal(definitions, `batch_common:${inherited} = "x"`)).to.match(/unknown field for batch definitions/);
      }
    });

    it('refuses values of the wrong type, naming the value', () => {
      expect(refusal(definitions, 'batch_common:name = 5')).to.equal(
        'Unsupported advanced search (as): batch_common:name is text and takes a quoted string; not this value at position 21: 5',
      );
      expect(refusal(definitions, 'batch_common:forDocTypes IN ("a", 2)')).to.match(/a text list .* at position 35: 2$/);
      expect(refusal(definitions, 'collectionspace_core:updatedAt > "2024"')).to.match(/takes TIMESTAMP "…"; not this value at position 34: "2024"$/);
      expect(refusal(definitions, 'batch_common:supportsGroup = 2')).to.match(/the flag batch_common:supportsGroup takes 1 or 0; not this value at position 30: 2$/);
      expect(refusal(definitions, 'batch_common:supportsGroup = "true"')).to.match(/takes 1 or 0/);
    });

    it('refuses operators a field cannot take', () => {
      expect(refusal(definitions, 'batch_common:supportsGroup > 0')).to.match(/> does not apply to the flag batch_common:supportsGroup at position 1/);
      expect(refusal(definitions, 'batch_common:supportsGroup IS NULL')).to.match(/IS NULL does not apply to the flag/);
      expect(refusal(definitions, 'batch_common:supportsGroup LIKE "1"')).to.match(/LIKE does not apply to the flag/);
      expect(refusal(definitions, 'collectionspace_core:createdAt LIKE "2024%"')).to.match(/LIKE\/ILIKE does not apply to the time/);
    });
  });

  describe('records', () => {
    it('reaches into the fields under any part, * (correlated or not) as a step', () => {
      const condition = records('collectionobjects_common:titleGroupList/*1/title = "a"');
      expect('path' in condition && condition.path.field).to.deep.equal({ kind: 'fields', path: ['titleGroupList', '*', 'title'] });
    });

    it('refuses Nuxeo schemas, paths of * alone and unknown core fields', () => {
      expect(refusal(records, 'ecm:primaryType = "x"')).to.match(/unknown field for records at position 1: "ecm:primaryType"$/);
      expect(refusal(records, 'p:* = "x"')).to.match(/unknown field for records at position 1: "p:\*"$/);
      expect(refusal(records, 'collectionspace_core:uri = "x"')).to.match(/unknown field for records/);
    });
  });
});
