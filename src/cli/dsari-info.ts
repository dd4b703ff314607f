#!/usr/bin/env node
import { runCli } from './common.js';
import { infoCommand } from './info/index.js';

await runCli(infoCommand());
