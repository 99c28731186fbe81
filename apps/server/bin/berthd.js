#!/usr/bin/env node
// berthd's entry point.
import { main } from '../dist/main.js';

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`berthd: ${err?.message ?? err}\n`);
  process.exit(1);
});
