#!/usr/bin/env node
import { runCli } from './common.js';
import { daemonCommand } from './daemon.js';

await runCli(daemonCommand());
