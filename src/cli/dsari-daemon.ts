#!/usr/bin/env node
// The signal handlers are installed before anything else is even loaded (SPEC §5.7): this
// module imports only them, and loads the rest of the program afterwards.
import './daemon-signals.js';

const { runCli } = await import('./common.js');
const { daemonCommand } = await import('./daemon.js');
await runCli(daemonCommand());
