#!/usr/bin/env node
// berth's entry point: Docker-style `--flag=false` booleans become oclif's `--no-flag` first.
import { execute } from '@oclif/core';
import { normalizeArgv } from '../dist/argv.js';

await execute({ dir: import.meta.url, args: normalizeArgv(process.argv.slice(2)) });
