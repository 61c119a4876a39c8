// Types of fixture.mjs, for the TypeScript tests.
import type { JobDefinition } from '../../src/job/model.js';

export const DIST_INDEX: string;
export const DIST_SHAPES: string;
export const MPID: string;
export const PROCESSOR_NAME: string;
export const KEYS: { seq: string; log: string; ended: string; hold: (worker: string) => string; held: (worker: string) => string; release: (worker: string) => string };
export function taskIndex(name: string): number;
export function sleepOf(seed: number, i: number, min: number, max: number): number;
export function requireDist(): void;
export function layeredJob(n: number, name: string): Promise<{ definition: JobDefinition; edges: Array<[number, number]> }>;
