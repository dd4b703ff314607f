// After tsc: bundles each bin, then makes the bin scripts in dist/cli executable (tsc keeps the
// #! line but not the mode).
//
// Bundling (issue 15, docs/BENCHMARKS.md): a command as tsc leaves it loads tens of ES modules
// (`dsari-info` ~80, the daemon 114), and Node 20 resolves, reads and compiles each on its own
// (~60 ms of a 0.2 s `dsari-info` on a 2-core VM, ~60 ms of the daemon's 0.55 s start). Each bin's entry
// file is replaced by one module of our own code (packages and node: built-ins stay imports, so
// each still loads only when used); what it imports on use becomes chunks beside it, one set per
// bin. The rest of dist/ stays as tsc wrote it (the HTTP workers run their own files from there,
// and the tests import it). A bundled module sits in dist/cli/ like the bins, so paths it builds
// from import.meta.url with `../../` still name the package root.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/', import.meta.url));
/** Packages bundled into the bins (see the rolldown call). */
const BUNDLED_PACKAGES = new Set(['commander', 'better-sqlite3']);
const BUNDLED = ['dsari', 'dsari-daemon', 'dsari-info', 'dsari-render', 'dsari-prometheus-exporter'];
// Bins run from V8's code cache (src/cli/code-cache.ts): bundled as CommonJS (a vm.Script), their
// bin file a small loader. `dsari-info`'s commands are the everyday ones whose start-up counts
// (issue 15: `run list`, `job list`).
const CODE_CACHED = new Set(['dsari-info']);

// commander requires node:child_process when it loads, for executable subcommands, which dsari
// does not use: as bundled, every command paid for loading it (with dgram and the socket
// internals it pulls in, ~1–2 ms). Inside commander it is now loaded on first use.
const LAZY_CHILD_PROCESS = '\0dsari-lazy-child-process';
const isCommanderChildProcess = (id, importer) =>
  id === 'node:child_process' && importer !== undefined && /[\\/]node_modules[\\/]commander[\\/]/.test(importer);
const lazyChildProcessForCommander = {
  name: 'dsari-lazy-child-process',
  resolveId(id, importer) {
    return isCommanderChildProcess(id, importer) ? LAZY_CHILD_PROCESS : null;
  },
  load(id) {
    if (id !== LAZY_CHILD_PROCESS) return null;
    return "let loaded;\nmodule.exports = new Proxy({}, { get(_, key) { loaded ??= require('node:child_process'); return loaded[key]; } });\n";
  },
};

if (process.env.DSARI_NO_BUNDLE !== '1') {
  let rolldown;
  try {
    ({ rolldown } = await import('rolldown'));
  } catch {
    // An install without devDependencies builds nothing here: the unbundled entry works alike.
    console.warn('postbuild: rolldown is not installed; the CLI is left unbundled (slower start-up)');
  }
  // Chunks are the only files in dist/cli/ whose names start with "_": the last build's go first.
  if (rolldown !== undefined) for (const f of readdirSync(cli)) if (f.startsWith('_')) rmSync(`${cli}${f}`);
  for (const name of rolldown === undefined ? [] : BUNDLED) {
    const out = `${cli}.bundle-${name}`;
    rmSync(out, { recursive: true, force: true });
    const bundle = await rolldown({
      input: `${cli}${name}.js`,
      platform: 'node',
      // Only our own modules (relative imports) are bundled, the helper rolldown itself adds
      // where it rewrites a tagged template (the console's `</script>`), which it embeds, and
      // commander, which every command loads first: as a package it is seven CommonJS files,
      // resolved and wrapped one by one (`dsari schedule … -n 5`: 153 → 142 ms, `node -e 0` 99).
      // better-sqlite3's JavaScript likewise (src/store/sqlite-driver.ts: thirteen files, ~5 ms to
      // load as a package; its native addon stays in the package, loaded by path).
      // Other packages stay imports, loaded only by the commands that use them.
      external: (id, importer) =>
        importer !== undefined && !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('@oxc-project/runtime/') && !BUNDLED_PACKAGES.has(id) &&
        id !== LAZY_CHILD_PROCESS && !isCommanderChildProcess(id, importer),
      logLevel: 'warn',
      plugins: [lazyChildProcessForCommander],
    });
    const cjs = CODE_CACHED.has(name);
    await bundle.write({
      dir: out,
      format: cjs ? 'cjs' : 'esm',
      entryFileNames: cjs ? `_${name}.main.cjs` : '[name].js',
      chunkFileNames: `_${name}.[name]-[hash].${cjs ? 'cjs' : 'js'}`,
      sourcemap: true,
    });
    await bundle.close();
    cpSync(out, cli, { recursive: true });
    rmSync(out, { recursive: true, force: true });
    if (cjs) {
      // A bundle run as a vm.Script has no ES module loader: an import() of a package or a
      // built-in would fail when reached (src/lazy-packages.ts requires them instead).
      for (const f of readdirSync(cli).filter((f) => f.startsWith(`_${name}.`) && f.endsWith('.cjs'))) {
        const code = readFileSync(`${cli}${f}`, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
        const bad = /\bimport\(\s*["'`](?![./])([^"'`]*)/.exec(code);
        if (bad) throw new Error(`postbuild: ${f} imports ${bad[1]} with import(), which the code cache's vm.Script cannot run; require it (src/lazy-packages.ts)`);
      }
      writeFileSync(
        `${cli}${name}.js`,
        `#!/usr/bin/env node\n// ${name}, bundled in _${name}.main.cjs, run from V8's code cache (src/cli/code-cache.ts; scripts/postbuild.mjs).\n` +
          `import { runWithCodeCache } from './code-cache.js';\n\nrunWithCodeCache(new URL('./_${name}.main.cjs', import.meta.url), '${name}');\n`,
      );
    }
  }
}

for (const f of readdirSync(cli)) {
  if (f.startsWith('dsari') && f.endsWith('.js')) chmodSync(`${cli}${f}`, 0o755);
}

// The build's id: a hash of every module in dist/. The configuration cache (src/config/cache.ts)
// holds configurations as one build read them, and is used only by the same build.
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const hash = createHash('sha256');
for (const f of readdirSync(dist, { recursive: true }).filter((p) => p.endsWith('.js') || p.endsWith('.cjs')).sort()) {
  hash.update(`${f}\0`).update(readFileSync(`${dist}${f}`));
}
writeFileSync(`${dist}build-id.txt`, `${hash.digest('hex')}\n`);
