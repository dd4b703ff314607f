import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { MetricsCollector } from '../metrics/collect.js';
import { formatExposition } from '../metrics/exposition.js';
import { parseQuantiles, type QuantileSpec } from '../metrics/quantile.js';
import { startMetricsServer } from '../metrics/server.js';
import { newCommand, withGlobalOptions } from './common.js';
import { globalOptions, loadContext, openStore } from './context.js';
import { withLogFormat } from './log-format.js';

interface ExporterOptions {
  listenAddress: string;
  listenPort: number;
  metricsPath: string;
  jobCacheTime: number;
  quantiles: QuantileSpec[];
  running: boolean;
  dump?: boolean;
}

function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535 is expected.');
  return n;
}

function secondsArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number of seconds (0 or more) is expected.');
  return n;
}

function quantilesArg(value: string): QuantileSpec[] {
  try {
    return parseQuantiles(value);
  } catch (err) {
    throw new InvalidArgumentError(`${errorMessage(err)}.`);
  }
}

function pathArg(value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError('the path must start with "/".');
  return value;
}

/** `dsari-prometheus-exporter` / `dsari prometheus-exporter` (SPEC §10). */
export function exporterCommand(name = 'dsari-prometheus-exporter'): Command {
  return withLogFormat(withGlobalOptions(newCommand(name, 'serve run metrics for Prometheus')))
    .option('--listen-address <address>', 'address to listen on', '0.0.0.0')
    .option('--listen-port <port>', 'port to listen on (0: any free port)', portArg, 50575)
    .option('--metrics-path <path>', 'HTTP path of the metrics', pathArg, '/metrics')
    .option('--job-cache-time <seconds>', 'seconds to reuse the metrics of finished runs', secondsArg, 120)
    .option('--quantiles <list>', 'comma-separated quantiles of the summaries', quantilesArg, parseQuantiles('0.01,0.1,0.5,0.9,0.99'))
    .option('--no-running', 'leave out metrics of running runs')
    .option('--dump', 'print the metrics once and exit')
    .addHelpText(
      'after',
      '\nSignals: SIGHUP reloads the configuration; SIGTERM/SIGINT stop the server.\nMetrics are described in docs/metrics.md.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      await runExporter(cmd, cmd.opts<ExporterOptions>());
    });
}

async function runExporter(cmd: Command, opts: ExporterOptions): Promise<void> {
  const ctx = loadContext(cmd);
  let config = ctx.config;
  const log = ctx.log;
  const store = await openStore(ctx);
  const collector = new MetricsCollector(store, () => [...config.jobs.keys()], {
    quantiles: opts.quantiles,
    includeRunning: opts.running,
    jobCacheSeconds: opts.jobCacheTime,
  });
  const render = async (): Promise<string> => formatExposition(await collector.collect());
  if (opts.dump) {
    try {
      process.stdout.write(await render());
    } finally {
      await store.close();
    }
    return;
  }
  let server;
  try {
    server = await startMetricsServer({
      address: opts.listenAddress,
      port: opts.listenPort,
      path: opts.metricsPath,
      render,
      log,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const host = server.address.family === 'IPv6' ? `[${server.address.address}]` : server.address.address;
  log.info(`Listening on http://${host}:${server.address.port}${opts.metricsPath}`);
  // Load the finished-run values now, so that the first scrape does not pay for it.
  collector.collect().catch((err: unknown) => log.error(`collecting metrics failed: ${errorMessage(err)}`));
  await new Promise<void>((resolve) => {
    const reload = (): void => {
      try {
        config = loadConfig({ configDir: globalOptions(cmd).configDir, log });
        collector.invalidate();
        log.info('SIGHUP received, configuration reloaded');
      } catch (err) {
        log.error(`SIGHUP: the new configuration is invalid, keeping the old one: ${errorMessage(err)}`);
      }
    };
    const stop = (signal: NodeJS.Signals): void => {
      log.info(`${signal} received, shutting down`);
      process.off('SIGHUP', reload);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGHUP', reload);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await server.close();
  await store.close();
}
