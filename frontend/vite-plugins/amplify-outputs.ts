/**
 * Provides `virtual:amplify-outputs`: the repository's amplify_outputs.json, embedded at build/dev time.
 *
 * - The file is written by `npx ampx` (cloud) or by the local cloud (`make dev`) at the repo root.
 *   `CATSCAN_AMPLIFY_OUTPUTS=/path/to/file` overrides the location.
 * - A missing or unreadable file is not a build error: the module exports `outputs = null` and an
 *   `error` message, and the app renders a configuration error screen.
 * - Under vitest (`mode === 'test'`) the sample file next to package.json is used.
 * - `vite dev` and `vite preview` also serve the current file at `/amplify_outputs.json`, read on every
 *   request, so a local cloud restarted on other ports needs no rebuild (see src/config/outputs.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connect, Plugin, ResolvedConfig } from 'vite';

const VIRTUAL_ID = 'virtual:amplify-outputs';
const RESOLVED_ID = '\0' + VIRTUAL_ID;

export interface AmplifyOutputsPluginOptions {
  /** amplify_outputs.json used for dev and build. */
  file: string;
  /** amplify_outputs.json used under vitest. */
  testFile: string;
}

interface ReadResult {
  outputs: unknown;
  error: string | null;
}

function readOutputs(file: string): ReadResult {
  if (!existsSync(file)) {
    return { outputs: null, error: `${file} does not exist` };
  }
  try {
    return { outputs: JSON.parse(readFileSync(file, 'utf8')), error: null };
  } catch (err) {
    return { outputs: null, error: `${file} is not valid JSON: ${(err as Error).message}` };
  }
}

export function amplifyOutputs(options: AmplifyOutputsPluginOptions): Plugin {
  let config: ResolvedConfig;
  const fileFor = (): string =>
    config.mode === 'test' ? options.testFile : process.env.CATSCAN_AMPLIFY_OUTPUTS || options.file;

  const serveOutputs: Connect.NextHandleFunction = (req, res, next) => {
    const url = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || !url.endsWith('/amplify_outputs.json')) {
      next();
      return;
    }
    const { outputs } = readOutputs(fileFor());
    res.setHeader('Cache-Control', 'no-store');
    if (outputs === null) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(outputs));
  };

  return {
    name: 'catscan-amplify-outputs',
    configResolved(resolved) {
      config = resolved;
    },
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : null;
    },
    load(id) {
      if (id !== RESOLVED_ID) return null;
      const file = fileFor();
      this.addWatchFile(file);
      const { outputs, error } = readOutputs(file);
      const source = path.relative(config.root, file) || file;
      return [
        `export const outputs = ${JSON.stringify(outputs)};`,
        `export const error = ${JSON.stringify(error)};`,
        `export const source = ${JSON.stringify(source)};`,
      ].join('\n');
    },
    configureServer(server) {
      const file = fileFor();
      server.watcher.add(file);
      const reload = (changed: string) => {
        if (path.resolve(changed) !== path.resolve(file)) return;
        const mod = server.moduleGraph.getModuleById(RESOLVED_ID);
        if (mod) server.moduleGraph.invalidateModule(mod);
        server.ws.send({ type: 'full-reload' });
      };
      server.watcher.on('add', reload);
      server.watcher.on('change', reload);
      server.watcher.on('unlink', reload);
      server.middlewares.use(serveOutputs);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serveOutputs);
    },
  };
}
