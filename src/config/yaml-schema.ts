/**
 * The YAML schema of the original's reader, PyYAML's `safe_load` (YAML 1.1), for js-yaml:
 * `yes`/`no`/`on`/`off` are booleans, `017` is octal, `1:30` is 90, a float needs a dot (`1e5`
 * is text, `1.0e+5` a float), `~` and an empty value are null. Integral floats (`1.0`) come out as
 * {@link IntegralFloat} so the reader can remember they were floats (see values.ts).
 */
import type jsyamlTypes from 'js-yaml';
import { jsyamlPackage } from '../lazy-packages.js';

/** A float written with a dot whose value is a whole number (`2.0`), before the reader marks it. */
export class IntegralFloat {
  constructor(readonly value: number) {}
}


const NULL = /^(?:~|null|Null|NULL|)$/;
const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function sexagesimal(text: string): number {
  let value = 0;
  for (const part of text.split(':')) value = value * 60 + Number(part);
  return value;
}

function constructInt(data: string): number {
  let text = data.replace(/_/g, '');
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    if (text.startsWith('-')) sign = -1;
    text = text.slice(1);
  }
  if (text === '0') return 0;
  if (text.startsWith('0b')) return sign * parseInt(text.slice(2), 2);
  if (text.startsWith('0x')) return sign * parseInt(text.slice(2), 16);
  if (text.startsWith('0')) return sign * parseInt(text.slice(1), 8);
  if (text.includes(':')) return sign * sexagesimal(text);
  return sign * Number(text);
}

function constructFloat(data: string): number | IntegralFloat {
  let text = data.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    if (text.startsWith('-')) sign = -1;
    text = text.slice(1);
  }
  let value: number;
  if (text === '.inf') value = Infinity;
  else if (text === '.nan') return NaN;
  else if (text.includes(':')) value = sexagesimal(text);
  else value = Number(text);
  value *= sign;
  return Number.isInteger(value) ? new IntegralFloat(value) : value;
}

let schema: jsyamlTypes.Schema | undefined;

/** PyYAML's safe schema for js-yaml (made on first use, as js-yaml is loaded then). */
export function pyyamlSchema(): jsyamlTypes.Schema {
  if (schema !== undefined) return schema;
  const jsyaml = jsyamlPackage();
  // js-yaml exports its built-in types at run time, but its type declarations omit them.
  const builtin = (jsyaml as unknown as { types: Record<'timestamp' | 'merge' | 'binary' | 'omap' | 'pairs' | 'set', jsyamlTypes.Type> }).types;
  schema = new jsyaml.Schema({
    implicit: [
      new jsyaml.Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (d: string) => NULL.test(d), construct: () => null }),
      new jsyaml.Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: (d: string) => BOOL.test(d), construct: (d: string) => BOOL_TRUE.test(d) }),
      new jsyaml.Type('tag:yaml.org,2002:int', { kind: 'scalar', resolve: (d: string) => INT.test(d), construct: constructInt }),
      new jsyaml.Type('tag:yaml.org,2002:float', { kind: 'scalar', resolve: (d: string) => FLOAT.test(d), construct: constructFloat }),
      builtin.timestamp,
      builtin.merge,
    ],
    explicit: [builtin.binary, builtin.omap, builtin.pairs, builtin.set],
  });
  return schema;
}
