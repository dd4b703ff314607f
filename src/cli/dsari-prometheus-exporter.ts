#!/usr/bin/env node
import { runCli } from './common.js';
import { exporterCommand } from './exporter.js';

await runCli(exporterCommand());
