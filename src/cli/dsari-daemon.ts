#!/usr/bin/env node
// First import: the signal handlers exist before anything else is loaded (SPEC §5.7).
import './daemon-signals.js';
import { runCli } from './common.js';
import { daemonCommand } from './daemon.js';

await runCli(daemonCommand());
