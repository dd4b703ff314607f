/**
 * The file a worker thread of dist/http/ runs: its module's own. In a bundled bin
 * (scripts/postbuild.mjs) the module's code sits in a chunk in dist/cli/, whose top level is not
 * the module's, so the worker is pointed at dist/http/NAME.js as tsc wrote it (the same depth as
 * dist/cli/, so the relative URL holds).
 */
export function workerFile(metaUrl: string, name: string): URL {
  return metaUrl.endsWith(`/http/${name}.js`) || metaUrl.endsWith(`/http/${name}.ts`) ? new URL(metaUrl) : new URL(`../http/${name}.js`, metaUrl);
}
