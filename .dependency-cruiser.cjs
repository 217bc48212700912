// Dependency rules of the code base (`npm run lint` runs them: depcruise apps libs test bench).
// Paths are resolved through tsconfig's `paths`, so `@partner-ledger/<lib>` lands on
// libs/<lib>/src/index.ts. Test code is specs, fixtures, the adapters' contract suites (Jest suites
// that the adapters' specs run), anything under a testing/ folder (so libs/testing), test/ and
// bench/; the rest is production code.
const TEST_CODE = '\\.(spec|fixture|contract)\\.ts$|/testing/';
const TEST_ONLY = `${TEST_CODE}|^test/|^bench/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-nothing-outside',
      severity: 'error',
      comment: 'libs/domain holds the pure deciders: it depends on nothing but itself (no other lib, no app, no npm package, no node built-in).',
      from: { path: '^libs/domain/', pathNot: TEST_ONLY },
      to: { pathNot: '^libs/domain/' },
    },
    {
      name: 'config-imports-no-feature-lib',
      severity: 'error',
      comment: 'libs/config turns the environment into AppConfig; the feature libs depend on it, never the other way round (domain is the one lib it may use).',
      from: { path: '^libs/config/', pathNot: TEST_ONLY },
      to: { path: '^libs/', pathNot: '^libs/(config|domain)/' },
    },
    {
      name: 'lib-imports-no-app',
      severity: 'error',
      comment: 'Apps are thin entry points over the libs; a lib that needs something from an app means that something belongs in a lib.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'app-imports-no-other-app',
      severity: 'error',
      comment: 'Each app is its own entry point; what two apps share lives in a lib.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-cycle-between-libs',
      severity: 'error',
      comment: 'Libraries form a layered graph: a cycle that goes through another lib is refused (cycles inside one lib are its own business).',
      from: { path: '^libs/([^/]+)/', pathNot: TEST_ONLY },
      to: { circular: true, via: { pathNot: '^libs/$1/' } },
    },
    {
      name: 'lib-imported-through-its-index',
      severity: 'error',
      comment: 'Another lib is reached only through its index.ts (import it as @partner-ledger/<lib>): the index is its whole public surface.',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: '^libs/$1/|^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'lib-imported-through-its-index',
      severity: 'error',
      comment: 'Apps, test/ and bench/ reach a lib only through its index.ts (import it as @partner-ledger/<lib>).',
      from: { path: '^(apps|test|bench)/' },
      to: { path: '^libs/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'no-relative-import-out-of-package',
      severity: 'error',
      comment: 'A relative import stays inside its lib or app; other libs are imported by name (@partner-ledger/<lib>).',
      from: { path: '^(libs|apps)/([^/]+)/' },
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['aliased'], pathNot: '^$1/$2/' },
    },
    {
      name: 'no-relative-import-out-of-package',
      severity: 'error',
      comment: 'test/ and bench/ import libs by name (@partner-ledger/<lib>), never by a relative path into libs/ or apps/.',
      from: { path: '^(test|bench)/' },
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['aliased'], path: '^(libs|apps)/' },
    },
    {
      name: 'production-imports-no-test-code',
      severity: 'error',
      comment: '@partner-ledger/testing (fixtures, protocol doubles), the contract suites and the other test helpers are for specs, test/ and bench/ only; production code never loads them.',
      from: { path: '^(libs|apps)/', pathNot: TEST_ONLY },
      to: { path: TEST_ONLY },
    },
    {
      name: 'production-imports-no-dev-dependency',
      severity: 'error',
      comment: 'Production code runs with `npm ci --omit=dev`: what it imports must be a dependency, not a devDependency.',
      from: { path: '^(libs|apps)/', pathNot: TEST_ONLY },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (a deep @partner-ledger/<lib>/<path> import does not: the tsconfig path maps only the lib name).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules may be a symlink (git worktrees share one); keep the paths as written.
    preserveSymlinks: true,
    exclude: { path: '^(dist|coverage|data)/' },
    // Type-only imports count too: a type import across a boundary couples the code just the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
    },
    cache: { folder: '.cache/dependency-cruiser', strategy: 'content' },
  },
};
