/**
 * The import rules `npm run lint` enforces (https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md).
 * Type-only imports count: a cycle through `import type` is still a cycle in the design.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules form layers; a cycle means two of them are one module or a type sits in the wrong one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-a-leaf',
      severity: 'error',
      comment: 'src/core holds the port and the vocabulary both sides import; it imports nothing of the repo and no SDK.',
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/core/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'adapters-import-only-the-core',
      severity: 'error',
      comment: 'A network adapter knows the ChatAdapter port and its vocabulary, nothing else of the bridge.',
      from: { path: '^adapters/' },
      to: { path: '^(src|packages)/', pathNot: ['^src/core/'] },
    },
    {
      name: 'product-never-imports-the-sandbox',
      severity: 'error',
      comment: 'The bridge ships alone: emulators, demo and test support stay out of src/ and adapters/.',
      from: { path: '^(src|adapters)/' },
      to: { path: '^(packages|test|bench|scripts)/' },
    },
    {
      name: 'product-uses-no-dev-dependency',
      severity: 'error',
      comment: 'npm ci --omit=dev must be enough to run the bridge.',
      from: { path: '^(src|adapters)/' },
      to: { dependencyTypes: ['npm-dev', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'emulators-stand-alone',
      severity: 'error',
      comment: 'The emulators are an independent oracle of Telegram, Discord and Twilio: they share no code with the bridge.',
      from: { path: '^packages/emulators/' },
      to: { path: '^(src|adapters|test|bench|packages/demo)/' },
    },
    {
      name: 'demo-uses-the-bridge-through-its-entry-point',
      severity: 'error',
      comment: 'The demo console starts the bridge as a library user would: through src/index.ts.',
      from: { path: '^packages/demo/' },
      to: { path: '^(src|adapters)/', pathNot: ['^src/index\\.ts$'] },
    },
    {
      name: 'no-unresolvable-imports',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|public)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
