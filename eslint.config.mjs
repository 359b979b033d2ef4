// @ts-check
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import pluginQuery from '@tanstack/eslint-plugin-query';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Import matrix (docs/architecture.md), enforced through Nx project tags: shared and migrations
 * import none of our projects; the manager may use both; the agent and the console only shared.
 */
const depConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:migrations', onlyDependOnLibsWithTags: ['scope:migrations'] },
  { sourceTag: 'scope:manager', onlyDependOnLibsWithTags: ['scope:shared', 'scope:migrations'] },
  { sourceTag: 'scope:agent', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['scope:shared'] },
  // The benchmarks drive the real agent client and manager (issue: fleet simulator), nothing else does.
  { sourceTag: 'scope:bench', onlyDependOnLibsWithTags: ['scope:shared', 'scope:agent', 'scope:manager'] },
  // Libraries never depend on applications; applications depend only on libraries.
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.nx/**',
      'coverage/**',
      'data/**',
      'artifacts/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    plugins: { '@nx': nx, 'import-x': importX },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints },
      ],
      // The classic silent failure in queue and socket code.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': ['error', { maxDepth: 10, ignoreExternal: true }],
      'import-x/no-default-export': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } } },
  },
  {
    // NestJS constructor injection needs the runtime class, not a type-only import.
    files: ['apps/manager/src/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // Test code reads loosely-typed JSON answers; `any` there keeps assertions readable.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-console': 'off' },
  },
  {
    // CLIs print to stdout by design.
    files: ['apps/*/src/cli/**/*.ts', 'apps/agent/src/main.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['apps/console/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks, '@tanstack/query': pluginQuery },
    rules: { ...reactHooks.configs.recommended.rules, ...pluginQuery.configs.recommended.rules },
  },
  {
    // Tool configs must default-export.
    files: ['**/vite.config.ts', '**/vitest.config.*', '**/*.config.mjs'],
    rules: { 'import-x/no-default-export': 'off' },
  },
  prettier,
);
