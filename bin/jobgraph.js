#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

// A reader that goes away (`jobgraph … | head`) is not an error of ours: no stack trace. A command
// that had not finished then stops as a program killed by SIGPIPE does (status 141), not with a 0
// that would say a run ended well.
let finished = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(finished ? (process.exitCode ?? 0) : 141);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => { finished = true; process.exitCode = code; },
  (err) => { console.error(`jobgraph: internal error: ${err && err.stack ? err.stack : err}`); process.exitCode = 2; },
);
