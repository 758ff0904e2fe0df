/**
 * The LIKE matcher SQLite calls and the regular expression MongoDB runs must agree; checked here against each
 * other (with JavaScript's regex engine standing in for MongoDB's) over patterns and values that probe them.
 */
import { expect } from 'chai';
import { likeMatches, likeRegex, valuesAt } from '../../src/store/searchRules.js';

const PATTERNS = ['%', '', 'a', '%a%', 'a%', '%a', '_', '__', 'a_c', '%b_%', String.raw`\%`, String.raw`%\%%`, String.raw`\_%`,
  String.raw`a\\%`, '%.*%', '(a)%', '%[b]%', 'é%', '%\n%', 'A%', '%a%a%', '☃_'];
const VALUES = ['', 'a', 'abc', 'ABC', 'cba', 'a_c', 'abbc', '%', '50% off', '_x', 'a\\b', '.*', '(a)b', '[b]', 'ébc', 'x\ny', 'aa', '☃!', '☃'];

describe('advanced search rules', () => {
  it('likeMatches and likeRegex agree on every pattern and value, both cases', () => {
    let matches = 0;
    for (const pattern of PATTERNS) {
      for (const value of VALUES) {
        for (const caseInsensitive of [false, true]) {
          const { source, options } = likeRegex(pattern, caseInsensitive);
          const byRegex = new RegExp(source, `${options}u`).test(value);
          expect(likeMatches(value, pattern, caseInsensitive), `${JSON.stringify(value)} LIKE ${JSON.stringify(pattern)} ${caseInsensitive}`).to.equal(byRegex);
          if (byRegex) matches += 1;
        }
      }
    }
    // Neither side may pass by matching nothing (or everything).
    expect(matches).to.be.within(50, PATTERNS.length * VALUES.length);
  });

  it('likeMatches and likeRegex agree on generated patterns and values over a small alphabet', () => {
    // A fixed linear congruential sequence: the same cases every run, many more than one would write by hand.
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[next(alphabet.length)]).join('');
    for (let round = 0; round < 3000; round += 1) {
      const pattern = word('ab_%%\\', next(7));
      const value = word('abAB%_\\', next(8));
      const { source, options } = likeRegex(pattern, round % 2 === 0);
      expect(likeMatches(value, pattern, round % 2 === 0), `${JSON.stringify(value)} LIKE ${JSON.stringify(pattern)}`).to.equal(
        new RegExp(source, `${options}u`).test(value),
      );
    }
  });

  it('likeRegex never goes back into a segment it has passed, so a value of many near-misses is refused', () => {
    const { source, options } = likeRegex('%a%a%a%a%a%a%a%b', false);
    expect(new RegExp(source, options).test('a'.repeat(3000))).to.equal(false);
    expect(new RegExp(source, options).test(`${'a'.repeat(3000)}b`)).to.equal(true);
  });

  it('matches NXQL patterns as NXQL means them', () => {
    expect(likeMatches('Loan out', '%loan%', true)).to.equal(true);
    expect(likeMatches('Loan out', '%loan%', false)).to.equal(false);
    expect(likeMatches('50% off', String.raw`50\%%`, false)).to.equal(true);
    expect(likeMatches('500 off', String.raw`50\%%`, false)).to.equal(false);
    expect(likeMatches('☃', '_', false)).to.equal(true);
  });

  it('takes a pattern of many % in steps bounded by value × pattern', () => {
    // A backtracking regex needs exponential time on this; the matcher gives up after one pass per %.
    expect(likeMatches('a'.repeat(5000), `${'%a'.repeat(50)}b`, false)).to.equal(false);
  });

  it('valuesAt goes through one level of list per step, keeping scalars only', () => {
    const fields = { a: [{ b: 'x' }, { b: ['y', ['z'], { c: 1 }] }, [{ b: 'no' }]], n: null, t: true };
    expect(valuesAt(fields, ['a', 'b'])).to.deep.equal(['x', 'y']);
    expect(valuesAt(fields, ['n'])).to.deep.equal([]);
    expect(valuesAt(fields, ['t'])).to.deep.equal([true]);
    expect(valuesAt(fields, ['a', 'b', 'c'])).to.deep.equal([1]);
    expect(valuesAt(fields, ['missing', 'b'])).to.deep.equal([]);
  });

  it('valuesAt takes a list\'s items at a * step: array elements, object members, a single value', () => {
    const xmlShaped = { titleGroupList: { titleGroup: [{ title: 'A' }, { title: 'B' }] }, one: { item: { title: 'C' } } };
    expect(valuesAt(xmlShaped, ['titleGroupList', '*', 'title'])).to.deep.equal(['A', 'B']);
    expect(valuesAt(xmlShaped, ['one', '*', 'title'])).to.deep.equal(['C']);
    expect(valuesAt({ list: [{ title: 'D' }, 'e'] }, ['list', '*', 'title'])).to.deep.equal(['D']);
    expect(valuesAt({ tags: 'green', more: { tag: ['x', 'y'] } }, ['tags', '*'])).to.deep.equal(['green']);
    expect(valuesAt({ more: { tag: ['x', 'y'] } }, ['more', '*'])).to.deep.equal(['x', 'y']);
    expect(valuesAt({ a: [[1, 2]] }, ['a', '*'])).to.deep.equal([1, 2]);
  });
});
