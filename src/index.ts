// The public API, each export by name.
export { JobGraphError, CycleError } from './errors.js';
