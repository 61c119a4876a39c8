/**
 * A validation worker of the server's {@link ValidationPool}: checks `POST /api/Jobs` (and JobTemplates) bodies off
 * the event loop and posts back only the outcome (a few KiB at most, whatever the body held).
 */
import { parentPort } from 'node:worker_threads';
import { checkDefinition, type CheckRequest } from './job-check.js';
import { checkTemplate, type TemplateCheckRequest } from './templates.js';

/** One body to check: a Create-Job body or a JobTemplate. */
export type WorkerRequest = ({ readonly kind: 'job' } & CheckRequest) | ({ readonly kind: 'template' } & TemplateCheckRequest);

/** A message from the pool: one body to check. */
export type WorkerTask = WorkerRequest & { readonly id: number };

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (task: WorkerTask) => {
    try {
      port.postMessage({ id: task.id, outcome: task.kind === 'template' ? checkTemplate(task) : checkDefinition(task).outcome });
    } catch (err) {
      // validateJob never throws for bad input: this is a bug, reported to the pool as such.
      port.postMessage({ id: task.id, failure: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  port.postMessage({ ready: true });
}
