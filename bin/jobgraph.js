#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

// A reader that goes away (`jobgraph … | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`jobgraph: internal error: ${err && err.stack ? err.stack : err}`); process.exitCode = 2; },
);
