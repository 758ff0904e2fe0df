/**
 * The layers are the folders (README "Architecture"): src/http → src/services → src/domain, with src/codec,
 * src/plugins, src/store/<engine> and src/runs beside them. An import may go down or sideways as listed here, never
 * back up, and no module may take part in a cycle. `npm test` checks this before the tests run (`npm run layers`).
 */
const from = (folder) => ({ path: `^src/${folder}/` });
const anyOf = (...folders) => `^src/(${folders.join('|')})(/|\\.ts$)`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle ties modules that should change apart; break it with a type moved down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-the-bottom',
      severity: 'error',
      comment: 'src/domain holds the rules and types every layer shares: it imports no other layer.',
      from: from('domain'),
      to: { path: anyOf('http', 'services', 'runs', 'store', 'codec', 'plugins', 'cli', 'config', 'service', 'main', 'log') },
    },
    {
      name: 'codec-sees-only-domain',
      severity: 'error',
      comment: 'Codecs turn documents into domain values and back; storage, services and HTTP are above them.',
      from: from('codec'),
      to: { path: anyOf('http', 'services', 'runs', 'store', 'plugins', 'cli', 'config', 'service', 'main') },
    },
    {
      name: 'plugins-see-only-domain',
      severity: 'error',
      comment: 'The plugin contract and loader stand beside the store: they know the domain, nothing above it.',
      from: from('plugins'),
      to: { path: anyOf('http', 'services', 'runs', 'store', 'codec', 'cli', 'config', 'service', 'main') },
    },
    {
      name: 'store-sees-only-domain',
      severity: 'error',
      comment: 'Storage engines implement the store interfaces over domain types; they call no service.',
      from: from('store'),
      to: { path: anyOf('http', 'services', 'runs', 'codec', 'plugins', 'cli', 'config', 'service', 'main') },
    },
    {
      name: 'engines-do-not-share-code',
      severity: 'error',
      comment: 'Each engine stands alone behind the interfaces; only the store factory (src/store/*.ts) picks one.',
      from: { path: '^src/store/(sqlite|mongo)/' },
      to: { path: '^src/store/(sqlite|mongo)/', pathNot: '^src/store/$1/' },
    },
    {
      name: 'services-do-not-climb',
      severity: 'error',
      comment: 'Services are what HTTP and the run machinery call; they do not call back up into either.',
      from: from('services'),
      to: { path: anyOf('http', 'runs', 'cli', 'config', 'service', 'main') },
    },
    {
      name: 'runs-do-not-climb',
      severity: 'error',
      comment: 'The run machinery is driven by the service and HTTP, never the other way round.',
      from: from('runs'),
      to: { path: anyOf('http', 'cli', 'config', 'service', 'main') },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
