import type { Command } from 'commander';
import { NotImplementedError, newCommand, withGlobalOptions } from './common.js';

/** `dsari-prometheus-exporter` / `dsari prometheus-exporter` (SPEC §10). */
export function exporterCommand(name = 'dsari-prometheus-exporter'): Command {
  return withGlobalOptions(newCommand(name, 'serve run metrics for Prometheus'))
    .option('--listen-address <address>', 'address to listen on', '0.0.0.0')
    .option('--listen-port <port>', 'port to listen on', '50575')
    .option('--metrics-path <path>', 'HTTP path of the metrics', '/metrics')
    .option('--job-cache-time <seconds>', 'seconds to cache the job configuration', '120')
    .option('--quantiles <list>', 'comma-separated quantiles of the summaries', '0.01,0.1,0.5,0.9,0.99')
    .option('--no-running', 'leave out metrics of running runs')
    .option('--dump', 'print the metrics once and exit')
    .action(async () => {
      throw new NotImplementedError('dsari-prometheus-exporter');
    });
}
