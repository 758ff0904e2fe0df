import { expect } from 'chai';
import { buildXml, parseXml, XML_DECLARATION } from '../../src/codec/index.js';
import { expectDomainError, readFixture } from './support/codecs.js';

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/batch"><name>&lol9;</name></ns2:batch_common></document>`;

const EXTERNAL_ENTITY = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/batch"><name>&xxe;</name></ns2:batch_common></document>`;

describe('parseXml', () => {
  it('accepts the seed 004 create sample as-is', () => {
    const tree = parseXml(readFixture('seed-004-batch.xml'));
    expect(tree).to.have.nested.property('document.@name', 'batch');
    expect(tree).to.have.nested.property('document.ns2:batch_common.forDocTypes.forDocType', 'CollectionObject');
  });

  it('maps attributes to @name, text beside attributes to ".", repeats to arrays, and keeps strings', () => {
    const tree = parseXml('<root a="1"><n>42</n><flag>true</flag><item>x</item><item>y</item><t lang="en">hi</t></root>');
    expect(tree).to.deep.equal({
      root: { '@a': '1', n: '42', flag: 'true', item: ['x', 'y'], t: { '.': 'hi', '@lang': 'en' } },
    });
  });

  it('parses empty elements as empty strings and trims text', () => {
    expect(parseXml('<a>\n  <b/>\n  <c>  x  </c>\n</a>')).to.deep.equal({ a: { b: '', c: 'x' } });
  });

  it('decodes predefined entities and character references in text and attributes', () => {
    expect(parseXml('<a t="&quot;&amp;&#65;">&lt;&gt;&amp;&apos;&#66;&#x43;&#x1F600;</a>')).to.deep.equal({
      a: { '.': "<>&'BC😀", '@t': '"&A' },
    });
  });

  it('keeps CDATA content literal, entity-looking text included', () => {
    expect(parseXml('<a><![CDATA[&amp; <b>]]></a>')).to.deep.equal({ a: '&amp; <b>' });
  });

  it('does not mistake DOCTYPE text inside a comment or CDATA for a declaration', () => {
    expect(parseXml('<!-- <!DOCTYPE x> --><a><![CDATA[<!DOCTYPE y>]]></a>')).to.deep.equal({ a: '<!DOCTYPE y>' });
  });

  it('accepts a byte order mark before the declaration', () => {
    expect(parseXml('\uFEFF<?xml version="1.0"?><a>x</a>')).to.deep.equal({ a: 'x' });
  });

  describe('refusals', () => {
    it('reports malformed XML with line and column', () => {
      const error = expectDomainError(
        () => parseXml('<document name="batch">\n  <name>x</nam>\n</document>'),
        'MALFORMED_BODY',
      );
      expect(error.message).to.match(/^Malformed XML at line 2, column \d+: /);
      expect(error.details).to.have.length(1);
      expect(error.details[0]?.path).to.match(/^line 2, column \d+$/);
    });

    it('reports malformed element nesting', () => {
      const error = expectDomainError(() => parseXml('<a>\n<b>\n</a>\n</b>'), 'MALFORMED_BODY');
      expect(error.message).to.match(/^Malformed XML at line 3, column \d+: Expected closing tag 'b'/);
    });

    it('refuses an empty or blank body', () => {
      for (const body of ['', '  \n ']) {
        const error = expectDomainError(() => parseXml(body), 'MALFORMED_BODY');
        expect(error.message).to.equal('Malformed XML at line 1, column 1: the body is empty');
      }
    });

    it('refuses text that is not XML, several roots and trailing text', () => {
      for (const body of ['{"document": {}}', '<a/><b/>', '<a/>tail']) expectDomainError(() => parseXml(body), 'MALFORMED_BODY');
    });

    it('refuses a billion-laughs DOCTYPE without expanding anything', () => {
      const started = Date.now();
      const error = expectDomainError(() => parseXml(BILLION_LAUGHS), 'UNSAFE_XML');
      expect(Date.now() - started).to.be.below(1000);
      expect(error.message).to.match(/DOCTYPE declarations are not accepted/);
      expect(error.details[0]?.path).to.equal('line 2, column 1');
    });

    it('refuses an external entity', () => {
      expectDomainError(() => parseXml(EXTERNAL_ENTITY), 'UNSAFE_XML');
    });

    it('refuses an ENTITY declaration outside a DOCTYPE', () => {
      const error = expectDomainError(() => parseXml('<a><!ENTITY x "y"></a>'), 'UNSAFE_XML');
      expect(error.message).to.match(/^ENTITY declarations are not accepted/);
    });

    it('refuses undefined entities and bare ampersands with their position', () => {
      const undefinedEntity = expectDomainError(() => parseXml('<a>\n  x &nbsp; y</a>'), 'MALFORMED_BODY');
      expect(undefinedEntity.details[0]?.path).to.equal('line 2, column 5');
      expectDomainError(() => parseXml('<a>fish & chips</a>'), 'MALFORMED_BODY');
    });

    it('refuses character references to characters XML does not allow', () => {
      expectDomainError(() => parseXml('<a>&#0;</a>'), 'MALFORMED_BODY');
      expectDomainError(() => parseXml('<a>&#x1;</a>'), 'MALFORMED_BODY');
    });

    it('refuses element names that would pollute prototypes', () => {
      expectDomainError(() => parseXml('<a><__proto__>x</__proto__></a>'), 'MALFORMED_BODY');
    });
  });
});

describe('buildXml', () => {
  it('starts with the XML declaration', () => {
    expect(buildXml({ a: 'x' })).to.equal(`${XML_DECLARATION}<a>x</a>`);
    expect(XML_DECLARATION).to.equal('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>');
  });

  it('writes attributes, text, repeats, empty elements and string forms of scalars', () => {
    const xml = buildXml({
      root: { '@name': 'batch', flag: true, count: 0, nothing: null, empty: '', item: ['a', 'b'], gone: undefined, none: [] },
    });
    expect(xml).to.equal(
      `${XML_DECLARATION}<root name="batch"><flag>true</flag><count>0</count><nothing/><empty/><item>a</item><item>b</item></root>`,
    );
  });

  it('escapes text and attribute values so they parse back unchanged', () => {
    const text = 'a < b && c > d "quoted" \'single\' ]]> end';
    const xml = buildXml({ root: { '@title': text, value: text } });
    expect(xml).not.to.include('<b');
    expect(parseXml(xml)).to.deep.equal({ root: { '@title': text, value: text } });
  });

  it('replaces characters XML 1.0 cannot carry', () => {
    expect(parseXml(buildXml({ a: 'x\u0001y' }))).to.deep.equal({ a: 'x\uFFFDy' });
  });

  it('escapes each character that needs it when it is the only one in the text, and leaves plain text as it is', () => {
    const escaped = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;', '\u0001': '\uFFFD', '\uFFFE': '\uFFFD' };
    for (const [character, written] of Object.entries(escaped)) {
      expect(buildXml({ a: `x${character}` }), JSON.stringify(character)).to.include(`<a>x${written}</a>`);
    }
    expect(buildXml({ a: 'plain é 😀\ttext\n' })).to.include('<a>plain é 😀\ttext\n</a>');
  });

  it('refuses names that are not XML names', () => {
    expect(() => buildXml({ root: { 'not a name': 'x' } })).to.throw(/cannot be written as an XML name/);
  });
});
