// ESLint for the web UI (flat config): ESLint's and typescript-eslint's recommended rules with type
// information, and React's hooks rules. `npm run lint` (in `make test`) fails on any finding.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  // dist: the build. generated.ts: GraphQL Code Generator's output (`npm run codegen:check` keeps it current).
  globalIgnores(['dist', 'src/graphql/generated.ts']),
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked, reactHooks.configs.flat.recommended],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // As tsc's noUnusedParameters: a leading underscore marks a parameter kept for its position; a
      // destructured rest (`const { custom: _custom, ...rest }`) is how a key is left out.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['vite.config.ts', 'vite-plugins/**', 'codegen.ts', 'scripts/**', 'eslint.config.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
  },
]);
