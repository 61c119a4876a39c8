import fc from 'fast-check';

// Property tests run on a fixed seed in CI (and whenever FC_SEED is set) so a failure there is
// reproducible; locally a fresh seed each run explores more. fast-check prints the seed and the
// counterexample path on failure; FC_SEED=<seed> replays it.
const fromEnv = process.env.FC_SEED;
const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : process.env.CI ? 20261128 : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
fc.configureGlobal({ seed, verbose: 1 });
