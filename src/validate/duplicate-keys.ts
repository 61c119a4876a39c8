import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { duplicateKeys } from '../job/json-duplicates.js';
import { jsonPlaces } from '../job/json-places.js';
import { LineMap } from '../taskbody/position.js';

/**
 * JSON_DUPLICATE_KEY for each key given twice in one object of a job's JSON text (accepted by
 * JSON.parse), at the repeated key (its line and column in the file), with the task
 * when the object is one of the tasks (`tasksKey`: `Tasks`, or `tasks` for a plain graph) and the
 * key as the property when the object is the job or a task.
 */
export function reportDuplicateKeys(text: string, sink: DiagnosticSink, tasksKey: 'Tasks' | 'tasks' = 'Tasks'): void {
  const found = duplicateKeys(text, sink.remaining + 1);
  if (found.length === 0) return;
  const places = jsonPlaces(text, tasksKey);
  // Found in text order: one walk for all the places (a scan from the top for each, and a search
  // of the tasks for each, were quadratic behind a long text or many tasks).
  const lines = new LineMap();
  lines.reset(text);
  let taskAt: Map<number, number> | undefined;
  for (const d of found) {
    if (!sink.room('JSON_DUPLICATE_KEY')) continue;
    const { line, column } = lines.at(d.at);
    const first = lines.at(d.first);
    if (taskAt === undefined) {
      taskAt = new Map();
      for (let k = 0; k < places.tasks.length; k++) {
        const t = places.tasks[k]!;
        if (typeof t !== 'number' && !taskAt.has(t.start)) taskAt.set(t.start, k);
      }
    }
    const task = taskAt.get(d.object) ?? -1;
    const own = task >= 0 || places.job?.start === d.object;
    const where = task >= 0 ? `task #${task} gives` : places.job?.start === d.object ? 'the Job gives' : 'an object gives';
    // A place in the file only: `line`/`column` with a task would be read as a place in its TaskBody.
    sink.add('JSON_DUPLICATE_KEY', `${where} "${d.key}" twice (first at ${first.line}:${first.column}): JSON.parse keeps this one`, {
      fileLine: line,
      fileColumn: column,
      ...(task >= 0 ? { task } : {}),
      ...(own ? { property: d.key } : {}),
    });
  }
}
