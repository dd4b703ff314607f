import { existsSync, readFileSync } from 'node:fs';

/**
 * The package version, read once from the package's package.json: beside src/ or dist/, or two
 * levels up from a bundled command in dist/cli/ (scripts/postbuild.mjs).
 */
export const VERSION: string = (() => {
  let file = new URL('../package.json', import.meta.url);
  if (!existsSync(file)) file = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return pkg.version;
})();
