#!/usr/bin/env node
import { runCli } from './common.js';
import { infoCommand } from './info/index.js';

// Not awaited at the top level: the bundle of this command is CommonJS (scripts/postbuild.mjs), which
// has no top-level await; runCli settles every error itself.
void runCli(infoCommand());
