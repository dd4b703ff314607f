/**
 * fast-check's seed. Locally every run draws a new one (a failure prints it, with the path to
 * replay it). In CI (CI=true) the seed is fixed, so that whether a change lands is not decided by
 * a random draw; DSARI_FC_SEED sets it anywhere, to replay a failure or to explore in CI.
 */
import fc from 'fast-check';

const fixed = process.env['DSARI_FC_SEED'] ?? (process.env['CI'] === 'true' ? '20261130' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
