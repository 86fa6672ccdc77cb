/// <reference types="vitest/config" />
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { amplifyOutputs } from './vite-plugins/amplify-outputs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Vendor code grouped by how often it changes and when the page needs it. */
function manualChunks(id: string): string | undefined {
  if (!id.includes('node_modules')) return undefined;
  const pkg = id.split('node_modules/').pop() ?? '';
  if (/^(react|react-dom|scheduler)\//.test(pkg)) return 'react';
  // The S3 SDK (local cloud only) is reached through import() alone: Rollup gives it chunks of its own.
  // Storage and the GraphQL client are needed only after sign-in.
  if (/^(@aws-amplify\/storage|aws-amplify\/dist\/esm\/storage)\//.test(pkg) || /^crc-32\//.test(pkg)) {
    return 'amplify-storage';
  }
  if (
    /^(@aws-amplify\/(api|api-graphql|api-rest|data-schema|data-schema-types)|aws-amplify\/dist\/esm\/api|graphql)\//.test(pkg)
  ) {
    return 'amplify-api';
  }
  // The sign-in page: Amplify core + auth, and the Authenticator.
  if (/^@aws-amplify\/(ui|ui-react|ui-react-core)\//.test(pkg)) return 'amplify-ui';
  if (/^(aws-amplify|@aws-amplify)\//.test(pkg)) return 'amplify';
  return undefined;
}

export default defineConfig({
  plugins: [
    react(),
    amplifyOutputs({
      file: path.resolve(here, '..', 'amplify_outputs.json'),
      testFile: path.resolve(here, 'amplify_outputs.sample.json'),
    }),
  ],
  // Relative asset URLs: dist/ can be served from any path (vite preview, S3, the local cloud).
  base: './',
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 5173 },
  build: {
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { output: { manualChunks } },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    restoreMocks: true,
  },
});
