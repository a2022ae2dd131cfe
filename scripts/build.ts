/**
 * `npm run build` (also run by `npm install` through "prepare", and by the tests' global setup):
 * bundles the CLI and the worker into plain JavaScript, so people run `node dist/client.js` without
 * compiling TypeScript on every call. Dependencies stay in node_modules (`packages: 'external'`).
 *
 *   client.ts → dist/client.js      worker.ts → dist/worker.js      (+ .map files)
 *   src/runtime/dispatcher-thread.ts → dist/dispatcher-thread.js (the worker starts it as the dispatcher's thread)
 *
 * The worker still bundles the workflow code from src/workflows/ at start-up (Temporal's own bundler).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as esbuild, type Plugin } from 'esbuild';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(REPO_ROOT, 'dist');
export const ENTRIES = { client: 'client.ts', worker: 'worker.ts', 'dispatcher-thread': 'src/runtime/dispatcher-thread.ts' } as const;

/**
 * Node's ESM loader wants file extensions on deep imports into packages without an "exports" map
 * (`@temporalio/proto/lib/patch-protobuf-root` → `…/patch-protobuf-root.js`); tsx and bundlers do not.
 * Such imports stay external, with the file Node's CommonJS resolution finds.
 */
const deepImportExtensions: Plugin = {
  name: 'deep-import-extensions',
  setup(b) {
    b.onResolve({ filter: /^(@[^/]+\/)?[^./][^/]*\/./ }, (args) => {
      const m = /^((?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(args.path)!;
      const [, pkg, sub] = m;
      if (/\.(c|m)?js$|\.json$/.test(sub)) return { path: args.path, external: true };
      const req = createRequire(path.join(args.resolveDir || REPO_ROOT, 'x.js'));
      let manifest: { exports?: unknown };
      let resolved: string;
      try {
        manifest = req(`${pkg}/package.json`) as { exports?: unknown };
        resolved = req.resolve(args.path);
      } catch {
        return { path: args.path, external: true };
      }
      if (manifest.exports !== undefined) return { path: args.path, external: true };
      const file = resolved.split(path.sep).join('/');
      if (file.endsWith(`/${sub}.js`)) return { path: `${args.path}.js`, external: true };
      if (file.endsWith(`/${sub}/index.js`)) return { path: `${args.path}/index.js`, external: true };
      return { path: args.path, external: true };
    });
  },
};

export async function build(): Promise<string[]> {
  const result = await esbuild({
    absWorkingDir: REPO_ROOT,
    entryPoints: ENTRIES,
    outdir: DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    metafile: true,
    plugins: [deepImportExtensions],
  });
  return Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = Date.now();
  build().then(
    (files) => console.log(`built ${files.join(', ')} in ${Date.now() - started} ms`),
    (err: Error) => {
      console.error(`build failed: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
