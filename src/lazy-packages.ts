/**
 * Packages that only some commands need, loaded on first use instead of at start-up: `yaml`
 * (72 modules, about 25 ms to load) and `rrule` (one 200 KB bundle, about 30 ms) would otherwise
 * be paid by every `dsari-info` and `dsari schedule`, and sit in the daemon's heap unused
 * (docs/BENCHMARKS.md, "Start-up"). Both are CommonJS, so `require` gives them synchronously and
 * the functions that use them stay synchronous.
 */
import { createRequire } from 'node:module';
import type * as RRulePackage from 'rrule';
import type * as YamlPackage from 'yaml';

const require = createRequire(import.meta.url);

/** The `yaml` package (loaded once, on the first call). */
export function yamlPackage(): typeof YamlPackage {
  return require('yaml') as typeof YamlPackage;
}

/** The `rrule` package (loaded once, on the first call). */
export function rrulePackage(): typeof RRulePackage {
  return require('rrule') as typeof RRulePackage;
}
