/** The package ships no types: it answers each preference under its camel-cased name, `true` when it has no value. */
declare module 'parse-prefer-header' {
  function parsePreferHeader(prefer: string | string[] | undefined): Record<string, string | true>;
  export default parsePreferHeader;
}
