// Types of workload.mjs, for the TypeScript test.
import type { JobDefinition } from '../../src/job/model.js';

export interface ProcessorSpec {
  key: string;
  id: string;
  name: string;
}
export interface Behaviour {
  kind: 'ok' | 'retry' | 'exhaust' | 'fatal' | 'hold';
  n: number;
}
export interface ExpectedTask {
  job: string;
  state: number;
  producers: string[];
  behaviour: Behaviour;
  /** The attempt of the execution that must be accepted, for a task expected Finished. */
  acceptedAttempt: number | undefined;
}
export interface Shape {
  name: string;
  nodes: Array<{ deps: number[]; behaviour: string; processor: string }>;
}

export const PROCESSORS: ProcessorSpec[];
export const ENDPOINT_ID: string;
export const RETRY: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; jitter: boolean };
export const CONCURRENCY: number;
export const STATE: { Queued: 0; Scheduled: 1; Processing: 2; Finished: 3; Error: 4; Canceled: 5; Canceling: 6 };
export const STATE_NAMES: string[];
export const CANCELED_JOB: number;
export function jobId(j: number): string;
export function taskId(j: number, i: number): string;
export function prng(seed: number): () => number;
export const SHAPES: Shape[];
export const JOBS: Array<JobDefinition & { Id: string; Tasks: Array<JobDefinition['Tasks'] extends Array<infer T> | undefined ? T & { Id: string } : never> }>;
export const TASK_COUNT: number;
export function behaviourOf(configuration: string | null): Behaviour;
export function expectedStates(): { tasks: Map<string, ExpectedTask>; jobs: Map<string, number> };
