#!/usr/bin/env node
// berth's entry point: Docker-style `--flag=false` booleans become oclif's `--no-flag` first.
import { execute, normalizeArgv } from '../dist/berth.mjs';

await execute({ dir: import.meta.url, args: normalizeArgv(process.argv.slice(2)) });
