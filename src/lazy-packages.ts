/**
 * Packages that only some commands need, loaded on first use instead of at start-up: `yaml`
 * (72 modules, about 25 ms to load) and `rrule` (one 200 KB bundle, about 30 ms) would otherwise
 * be paid by every `dsari-info` and `dsari schedule`, and sit in the daemon's heap unused
 * (docs/BENCHMARKS.md, "Start-up"). Both are CommonJS, so `require` gives them synchronously and
 * the functions that use them stay synchronous.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as JsYamlPackage from 'js-yaml';
import type MysqlPackage from 'mysql2/promise';
import type * as ChildProcess from 'node:child_process';
import type * as Repl from 'node:repl';
import type PgPackage from 'pg';
import type * as RRulePackage from 'rrule';
import type * as YamlPackage from 'yaml';

const require = createRequire(import.meta.url);

/** The `yaml` package (loaded once, on the first call). */
export function yamlPackage(): typeof YamlPackage {
  return require('yaml') as typeof YamlPackage;
}

/**
 * The database drivers `pg` and `mysql2/promise`, and node:repl (`dsari-info shell`), loaded on
 * first use. Required, not imported: a command bundled as CommonJS and run from V8's code cache
 * (cli/code-cache.ts) has no ES module loader for `import()`, and both drivers are CommonJS.
 */
export function pgPackage(): typeof PgPackage {
  return require('pg') as typeof PgPackage;
}

/** See {@link pgPackage}. */
export function mysqlPackage(): typeof MysqlPackage {
  return require('mysql2/promise') as typeof MysqlPackage;
}

/** See {@link pgPackage}. */
export function replModule(): typeof Repl {
  return require('node:repl') as typeof Repl;
}

/** See {@link pgPackage}: node:child_process for the pager, which only a terminal needs. */
export function childProcessModule(): typeof ChildProcess {
  return require('node:child_process') as typeof ChildProcess;
}

/** The `rrule` package (loaded once, on the first call). */
export function rrulePackage(): typeof RRulePackage {
  return require('rrule') as typeof RRulePackage;
}

let jsyaml: typeof JsYamlPackage | undefined;

/**
 * `js-yaml`, the configuration reader's YAML parser (loaded on the first configuration file
 * read: a command that finds its configuration in the cache, src/config/cache.ts, never loads
 * it). Its one-file build: the package's CommonJS entry is some twenty modules, its ES module
 * cannot be loaded synchronously, and the one file loads in a third of the time.
 */
export function jsyamlPackage(): typeof JsYamlPackage {
  jsyaml ??= require(join(dirname(require.resolve('js-yaml')), 'dist', 'js-yaml.js')) as typeof JsYamlPackage;
  return jsyaml;
}
