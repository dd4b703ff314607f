#!/usr/bin/env node
import { runCli } from './common.js';
import { renderCommand } from './render.js';

await runCli(renderCommand());
