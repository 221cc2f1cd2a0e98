import globals from 'globals';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { layerZones } from './eslint.layers.js';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.test-cli/**',
      'node_modules/**',
      'coverage/**',
      'test/fixtures/**',
      'test/harness/**/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      // Sources import './x.js' for x.ts (ESM as tsc emits it): without the alias the import-x rules
      // resolve nothing and pass everything.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.mjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'exit',
          message: 'Return an exit code; only bin/omrs.js ends the process.',
        },
      ],
    },
  },
  {
    // The layer table (docs/architecture.md): no import from a lower layer to a higher one, type
    // imports and lazy import() included. Tests may reach across layers to set a scene up.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones() }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The launcher is the one place that ends the process.
    files: ['bin/omrs.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/harness/images/**/html/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
