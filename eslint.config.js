// ESLint (flat config): the recommended rules of ESLint, typescript-eslint and eslint-plugin-svelte, with
// each folder's globals (the app runs in a page, its workers and a service worker; the rest in Node).
// Formatting is Prettier's (.prettierrc), not ESLint's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'models/',
      'public/',
      'bench-results/',
      'test-results/',
      'test/fixtures/real-export/',
      'training/data/',
      'training/runs/',
      // local, untracked: see .gitignore
      'tmp/',
      '.gl/',
      '.whl/',
    ],
  },
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    // <script lang="ts"> in components, and runes in .svelte.ts modules
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  {
    // In a .svelte.ts module this rule flags every `new Map/Set/URL/Date` anywhere inside an exported class
    // or function, locals included. The state modules keep what the page renders in $state fields and use
    // plain Maps, URLs and Dates only for bookkeeping nothing renders (read offsets, share links, timings):
    // every finding was one of those. In components, where a mutated Map would silently not re-render, it stays.
    files: ['**/*.svelte.ts'],
    rules: { 'svelte/prefer-svelte-reactivity': 'off' },
  },
  // where each file runs
  { files: ['src/**'], languageOptions: { globals: globals.browser } },
  { files: ['src/worker/**'], languageOptions: { globals: globals.worker } },
  {
    files: ['src/offline/sw.js'],
    languageOptions: {
      globals: {
        ...globals.serviceworker,
        // replaced at build time by tools/vite-service-worker.ts
        __PP_PRECACHE__: 'readonly',
      },
    },
  },
  {
    files: ['cli/**', 'tools/**', 'training/**', 'test/**', '*.config.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
  // Playwright runs the callbacks of page.evaluate in the page
  { files: ['test/e2e/**'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
  {
    rules: {
      // `_name` marks a parameter or binding kept for its position or its type
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
);
