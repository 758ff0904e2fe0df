import { expect } from 'chai';
import { parseAdvancedSearch } from '../../src/codec/nxqlParser.js';
import { ADVANCED_SEARCH_LIMITS, type ParsedCondition } from '../../src/domain/advancedSearch.js';
import { ValidationError } from '../../src/domain/errors.js';

/** The tree without positions and source texts: what a condition means. */
function shape(condition: ParsedCondition): unknown {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return { [condition.kind]: condition.conditions.map(shape) };
    case 'not':
      return { not: shape(condition.condition) };
    case 'compare':
      return [condition.path.text, condition.operator, condition.value.literal];
    case 'like':
      return [condition.path.text, condition.caseInsensitive ? 'ILIKE' : 'LIKE', condition.pattern];
    case 'in':
      return [condition.path.text, 'IN', condition.values.map((value) => value.literal)];
    case 'isNull':
      return [condition.path.text, 'IS NULL'];
  }
}

const parsed = (text: string) => shape(parseAdvancedSearch(text));
const str = (value: string) => ({ type: 'string', value });
const num = (value: number) => ({ type: 'number', value });

function refusal(text: string): string {
  try {
    parseAdvancedSearch(text);
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    const { details } = error as ValidationError;
    expect(details).to.have.length(1);
    expect(details[0]?.path).to.equal('as');
    return (error as ValidationError).message;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('NXQL parser (as)', () => {
  describe('the forms cspace-ui generates', () => {
    it("reads the Group record panel's query, double parentheses and all", () => {
      const text =
        '((batch_common:supportsGroup = 1 OR (batch_common:forDocTypes/* = "Group" AND batch_common:supportsSingleDoc = 1)))';
      expect(parsed(text)).to.deep.equal({
        or: [
          ['batch_common:supportsGroup', '=', num(1)],
          { and: [['batch_common:forDocTypes/*', '=', str('Group')], ['batch_common:supportsSingleDoc', '=', num(1)]] },
        ],
      });
      const condition = parseAdvancedSearch(text);
      const first = condition.kind === 'or' ? condition.conditions[0] : undefined;
      expect(first?.kind === 'compare' && first.path.field).to.deep.equal({ schema: 'batch_common', segments: ['supportsGroup'] });
    });

    it("reads the batch page's name filter", () => {
      expect(parsed('(batch_common:name ILIKE "%loan%")')).to.deep.equal(['batch_common:name', 'ILIKE', '%loan%']);
    });

    it('reads every comparison operator, <> and != as NOT =', () => {
      for (const operator of ['=', '<', '<=', '>', '>='] as const) {
        expect(parsed(`p:n ${operator} 2`)).to.deep.equal(['p:n', operator, num(2)]);
      }
      expect(parsed('p:n <> "a"')).to.deep.equal({ not: ['p:n', '=', str('a')] });
      expect(parsed('p:n != "a"')).to.deep.equal({ not: ['p:n', '=', str('a')] });
    });

    it('reads NOT ILIKE, NOT LIKE, IN, NOT IN, BETWEEN, NOT BETWEEN, IS NULL and IS NOT NULL', () => {
      expect(parsed('p:n NOT ILIKE "%a%"')).to.deep.equal({ not: ['p:n', 'ILIKE', '%a%'] });
      expect(parsed('p:n not like "a%"')).to.deep.equal({ not: ['p:n', 'LIKE', 'a%'] });
      expect(parsed('p:n IN ("a", \'b\', 3)')).to.deep.equal(['p:n', 'IN', [str('a'), str('b'), num(3)]]);
      expect(parsed('p:n NOT IN ("a")')).to.deep.equal({ not: ['p:n', 'IN', [str('a')]] });
      expect(parsed('p:n BETWEEN 1 AND 5')).to.deep.equal({ and: [['p:n', '>=', num(1)], ['p:n', '<=', num(5)]] });
      expect(parsed('p:n NOT BETWEEN "a" AND "b"')).to.deep.equal({
        not: { and: [['p:n', '>=', str('a')], ['p:n', '<=', str('b')]] },
      });
      expect(parsed('p:n IS NULL')).to.deep.equal(['p:n', 'IS NULL']);
      expect(parsed('p:n IS NOT NULL')).to.deep.equal({ not: ['p:n', 'IS NULL'] });
    });

    it('gives AND precedence over OR, and reads NOT before either', () => {
      expect(parsed('p:a = 1 OR p:b = 2 AND NOT p:c = 3')).to.deep.equal({
        or: [['p:a', '=', num(1)], { and: [['p:b', '=', num(2)], { not: ['p:c', '=', num(3)] }] }],
      });
      expect(parsed('NOT (p:a = 1 OR p:b = 2)')).to.deep.equal({ not: { or: [['p:a', '=', num(1)], ['p:b', '=', num(2)]] } });
    });

    it('reads the value forms valueToNXQL writes: JSON strings, numbers, TIMESTAMP', () => {
      expect(parsed(`p:n = ${JSON.stringify('say "hi"\\ \n é \u2603')}`)).to.deep.equal(['p:n', '=', str('say "hi"\\ \n é \u2603')]);
      expect(parsed(String.raw`p:n = 'it\'s'`)).to.deep.equal(['p:n', '=', str("it's")]);
      expect(parsed('p:n > -1.5e3')).to.deep.equal(['p:n', '>', num(-1500)]);
      expect(parsed('p:n >= TIMESTAMP "2024-01-31T00:00:00.000Z"')).to.deep.equal([
        'p:n',
        '>=',
        { type: 'timestamp', value: '2024-01-31T00:00:00.000Z' },
      ]);
      expect(parsed('p:n < timestamp "2024-01-31T10:00:00+01:00"')).to.deep.equal([
        'p:n',
        '<',
        { type: 'timestamp', value: '2024-01-31T09:00:00.000Z' },
      ]);
    });

    it('reads list paths, correlated ones (*1) as *', () => {
      const condition = parseAdvancedSearch('collectionobjects_common:titleGroupList/*1/title-x = "a"');
      expect(condition.kind === 'compare' && condition.path.field).to.deep.equal({
        schema: 'collectionobjects_common',
        segments: ['titleGroupList', '*', 'title-x'],
      });
    });
  });

  describe('what it refuses, naming the position and the token', () => {
    it('an unknown operator or keyword', () => {
      expect(refusal('p:n CONTAINS "a"')).to.equal(
        'Unsupported advanced search (as): expected an operator (=, <>, <, <=, >, >=, LIKE, ILIKE, IN, BETWEEN, IS NULL) at position 5: found "CONTAINS"',
      );
      expect(refusal('p:n STARTSWITH "a"')).to.match(/at position 5: found "STARTSWITH"$/);
      expect(refusal('p:n NOT = 1')).to.match(/expected LIKE, ILIKE, IN or BETWEEN after NOT at position 9: found "="$/);
    });

    it('a missing or unknown field', () => {
      expect(refusal('name = "a"')).to.match(/expected a field such as batch_common:name at position 1: found "name"$/);
      expect(refusal('ecm:name/ = "a"')).to.match(/malformed field path at position 1: "ecm:name\/"$/);
      expect(refusal('p:a//b = 1')).to.match(/malformed field path at position 1/);
      expect(refusal('= 1')).to.match(/expected a field such as batch_common:name at position 1: found "="$/);
    });

    it('a missing, unquoted or malformed value', () => {
      expect(refusal('p:n = ')).to.match(/expected a value \(a quoted string, a number or TIMESTAMP "…"\) at position 7: found end of the query$/);
      expect(refusal('p:n = loan')).to.match(/expected a value .* at position 7: found "loan"$/);
      expect(refusal('p:n = null')).to.match(/at position 7: found "null"$/);
      expect(refusal('p:n = "open')).to.match(/unterminated or malformed string at position 7: "\\"open"$/);
      expect(refusal('p:n = "bad \\x escape"')).to.match(/unterminated or malformed string at position 7/);
      expect(refusal('p:n = 1x')).to.match(/unexpected character at position 7: "1"$/);
      expect(refusal('p:n LIKE 5')).to.match(/expected a quoted pattern at position 10: found "5"$/);
      expect(refusal('p:n = TIMESTAMP "yesterday"')).to.match(/not an ISO 8601 date and time at position 17: "\\"yesterday\\""$/);
      expect(refusal('p:n = DATE "2024-01-01"')).to.match(/at position 7: found "DATE"$/);
    });

    it('unbalanced parentheses, a dangling AND, and anything after the end', () => {
      expect(refusal('(p:n = 1')).to.match(/expected "\)" \(or AND, OR\) at position 9: found end of the query$/);
      expect(refusal('p:n = 1)')).to.match(/expected the end of the query \(or AND, OR\) at position 8: found "\)"$/);
      expect(refusal('p:n = 1 AND')).to.match(/expected a field such as batch_common:name at position 12: found end of the query$/);
      expect(refusal('p:n = 1 p:m = 2')).to.match(/at position 9: found "p:m"$/);
      expect(refusal('p:n IN ("a" "b")')).to.match(/expected "," or "\)" in the IN list at position 13: found "\\"b\\""$/);
      expect(refusal('p:n IN "a"')).to.match(/expected "\(" opening the IN list at position 8/);
      expect(refusal('p:n BETWEEN 1 OR 2')).to.match(/expected AND between the BETWEEN bounds at position 15: found "OR"$/);
      expect(refusal('p:n IS "x"')).to.match(/expected NULL or NOT NULL at position 8/);
    });

    it('characters outside the language', () => {
      expect(refusal('p:n = 1; DROP TABLE x')).to.match(/unexpected character at position 8: ";"$/);
      expect(refusal('p:n = 1 -- comment')).to.match(/unexpected character at position 9: "-"$/);
    });

    it('queries past the limits: length, nesting, conditions, wildcards', () => {
      expect(refusal(`p:n = "${'a'.repeat(ADVANCED_SEARCH_LIMITS.maxLength)}"`)).to.match(
        /longer than 10000 characters at position 10001: 10008 characters in all$/,
      );
      const deep = `${'('.repeat(ADVANCED_SEARCH_LIMITS.maxDepth + 5)}p:n = 1${')'.repeat(ADVANCED_SEARCH_LIMITS.maxDepth + 5)}`;
      expect(refusal(deep)).to.match(/conditions nest more than 20 levels deep at position 21: "\("$/);
      expect(refusal(`${'NOT '.repeat(30)}p:n = 1`)).to.match(/nest more than 20 levels deep at position 81: "NOT"$/);
      const many = Array.from({ length: ADVANCED_SEARCH_LIMITS.maxPredicates + 1 }, () => 'p:n = 1').join(' OR ');
      expect(refusal(many)).to.match(/more than 200 conditions at position 2201: "p:n"$/);
      expect(refusal('p:n LIKE "%a%a%a%a%a%a%a%a%"')).to.match(/a pattern may hold at most 8 % at position 10/);
      expect(parsed(String.raw`p:n LIKE "%a%a%a%a%a%a%a\\%\\%\\%%"`)).to.deep.equal(['p:n', 'LIKE', String.raw`%a%a%a%a%a%a%a\%\%\%%`]);
    });
  });
});
