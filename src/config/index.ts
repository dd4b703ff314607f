export { loadConfig, type LoadConfigOptions } from './load.js';
export type * from './types.js';
