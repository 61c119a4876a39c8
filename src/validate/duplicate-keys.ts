import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { duplicateKeys } from '../job/json-duplicates.js';
import { jsonPlaces } from '../job/json-places.js';
import { lineColumnAt } from '../job/json-text.js';

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
  for (const d of found) {
    if (!sink.room('JSON_DUPLICATE_KEY')) continue;
    const { line, column } = lineColumnAt(text, d.at);
    const first = lineColumnAt(text, d.first);
    const task = places.tasks.findIndex((t) => typeof t !== 'number' && t.start === d.object);
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
