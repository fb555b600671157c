#!/usr/bin/env node
import { runCli } from './commands.js';
import { processIo } from './io.js';

// Not a top-level await: the shipped bundle is CommonJS (tools/build.mjs).
void runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
