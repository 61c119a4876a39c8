import { STATE_NAMES, TaskState, isFinalState } from '../job/enums.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { TaskView } from '../scheduler/views.js';
import type { CliIO } from './io.js';
import { CancelReasons, failureText, label, retryText } from './run-outcome.js';

/** How `jobgraph run` shows a job's progress: listens before the job is submitted, draws from start to stop. */
export interface RunView {
  listen(): void;
  /** `resumed`: the job comes back from a store, some of its tasks already started again. */
  start(jobId: string, resumed: boolean): void;
  /** Makes room for a message written between two frames (on stderr, often the same terminal). */
  release(): void;
  stop(): void;
}

/** A terminal's stdout: CliIO's, and its size when it has one. */
type Terminal = CliIO['stdout'] & { columns?: number; rows?: number };

export type Colour = 'green' | 'red' | 'yellow';
const SGR: Record<Colour, string> = { green: '32', red: '31', yellow: '33' };

export function paint(text: string, colour: Colour, on: boolean): string {
  return on ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text;
}

/** Plain lines, one per task state change, saying why a task failed, was canceled or retried: for logs and pipes. */
export class PlainLog implements RunView {
  #off: Array<() => void> = [];
  #reasons = new Map<string, CancelReasons>();
  constructor(
    private io: CliIO,
    private scheduler: Scheduler,
  ) {}

  listen(): void {
    const s = this.scheduler;
    this.#off.push(
      s.on('taskStateChange', (e) => {
        // Not taskInfo(): it walks every task up- and downstream, per event (quadratic on a chain).
        const info = { index: s.modelOf(e.serial).task.index, attempts: s.attemptsOf(e.taskId) };
        const t = s.task(e.taskId)!;
        let why = '';
        if (e.newState === TaskState.Processing) why = ` (attempt ${info.attempts})`;
        else if (e.newState === TaskState.Error) why = ` — ${failureText(t)}`;
        else if (e.newState === TaskState.Canceled) why = ` — ${this.#reasonsOf(e.jobId).reason(t, info.index)}`;
        else if (e.oldState === TaskState.Processing && e.newState === TaskState.Scheduled) why = ` — ${retryText(t) ?? 'the attempt ended; the task runs again'}`;
        this.io.stdout.write(`${new Date(e.timestamp).toISOString().slice(11, 23)} ${label(t, info.index)}: ${STATE_NAMES[e.oldState]} → ${STATE_NAMES[e.newState]}${why}\n`);
      }),
    );
  }

  #reasonsOf(jobId: string): CancelReasons {
    let r = this.#reasons.get(jobId);
    if (r === undefined) this.#reasons.set(jobId, (r = new CancelReasons(this.scheduler, jobId)));
    return r;
  }

  /** A resumed job's tasks started again before anyone listened (in Engine.open): their lines come here. */
  start(jobId: string, resumed: boolean): void {
    if (!resumed) return;
    this.scheduler.tasks({ jobId, state: TaskState.Processing }).forEach((t) => {
      const info = { index: this.scheduler.modelOf(this.scheduler.taskSerial(t.Id)).task.index, attempts: this.scheduler.attemptsOf(t.Id) };
      const at = t.HistoricalEvents.at(-1)?.TimeStamp.slice(11, 23) ?? '';
      this.io.stdout.write(`${at} ${label(t, info.index)}: Processing again (attempt ${info.attempts}) — ${retryText(t) ?? 'resumed'}\n`);
    });
  }

  release(): void {}

  stop(): void {
    for (const off of this.#off) off();
  }
}

/** Failed and canceled tasks listed in the live view; the summary lists them all. */
const MAX_PROBLEMS = 5;

/**
 * A bar per running task and one overall, redrawn in place on a TTY, with the tasks that failed
 * (code and message) or were canceled (why) under them. Every line is clipped to the terminal's
 * width: a line that wrapped would take two rows, and the redraw, which moves up one row a line,
 * would then leave a stale frame behind.
 */
export class LiveDisplay implements RunView {
  #timer: ReturnType<typeof setInterval> | undefined;
  #lines = 0;
  #jobId = '';
  #reasons: CancelReasons | undefined;
  constructor(
    private io: CliIO,
    private scheduler: Scheduler,
    private color: boolean,
  ) {}

  listen(): void {}

  start(jobId: string, _resumed: boolean): void {
    this.#jobId = jobId;
    this.#reasons = new CancelReasons(this.scheduler, jobId);
    this.#timer = setInterval(() => this.#draw(), 100);
    this.#draw();
  }

  /** Ends the frame's line and draws the next frame afresh below the message: the old one stays, intact. */
  release(): void {
    if (this.#jobId === '') return;
    this.io.stdout.write('\n');
    this.#lines = 0;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#jobId === '') return;
    this.#draw();
    this.io.stdout.write('\n');
  }

  #draw(): void {
    const term = this.io.stdout as Terminal;
    const width = term.columns !== undefined && term.columns > 0 ? term.columns : 80;
    // The last column is left free: a line that fills it puts some terminals in a pending wrap.
    const rows = term.rows !== undefined && term.rows > 1 ? term.rows : 24;
    // The frame must fit the screen too: the cursor cannot move up past its top row.
    const out = frame(this.scheduler, this.#jobId, this.#reasons!, this.color, width - 1, rows - 1);
    if (out.length > rows - 1) out.splice(rows - 2, out.length, `  … ${out.length - (rows - 2)} more lines`);
    const lines = out.map((l) => clip(l, width - 1));
    let text = this.#lines > 0 ? `\x1b[${this.#lines}F` : '';
    text += lines.map((l) => `\x1b[2K${l}`).join('\n');
    // Clear lines left over from a taller previous frame.
    for (let i = lines.length; i < this.#lines + 1; i++) text += '\n\x1b[2K';
    const extra = Math.max(0, this.#lines + 1 - lines.length);
    if (extra > 0) text += `\x1b[${extra}F`;
    this.io.stdout.write(text);
    this.#lines = lines.length - 1;
  }
}

/**
 * The lines of one frame of the live view, unclipped; the bars narrow to leave `width` room for the
 * words. Beyond `height` lines, running tasks are counted rather than listed: the failures stay.
 */
export function frame(s: Scheduler, jobId: string, reasons: CancelReasons, color: boolean, width: number, height: number): string[] {
  const tasks = s.tasks({ jobId });
  const running: Array<[TaskView, number]> = [];
  const retrying: Array<[TaskView, number]> = [];
  const failed: Array<[TaskView, number]> = [];
  const canceled: Array<[TaskView, number]> = [];
  let finished = 0;
  let overall = 0;
  tasks.forEach((t, i) => {
    overall += isFinalState(t.State) ? 100 : t.Progress;
    if (t.State === TaskState.Finished) finished++;
    else if (t.State === TaskState.Error) failed.push([t, i]);
    else if (t.State === TaskState.Canceled) canceled.push([t, i]);
    else if (t.State === TaskState.Processing || t.State === TaskState.Canceling) running.push([t, i]);
    else if (t.State === TaskState.Scheduled && retryText(t) !== undefined) retrying.push([t, i]);
  });
  overall /= Math.max(1, tasks.length);
  const ended = finished + failed.length + canceled.length;
  const job = s.job(jobId);
  // The bar tells the outcome at a glance: red once a task failed, yellow once one was canceled.
  const outcome: Colour = failed.length > 0 || job?.State === TaskState.Error ? 'red' : canceled.length > 0 || job?.State === TaskState.Canceling || job?.State === TaskState.Canceled ? 'yellow' : 'green';
  let counts = `${ended}/${tasks.length} tasks ended`;
  if (running.length > 0) counts += `, ${running.length} running`;
  if (failed.length > 0) counts += `, ${failed.length} failed`;
  if (canceled.length > 0) counts += `, ${canceled.length} canceled`;
  const overallWidth = Math.max(10, Math.min(30, width - 7 - counts.length));
  const head = `${paint(bar(overall, overallWidth), outcome, color)} ${overall.toFixed(0).padStart(3)}%  ${counts}`;

  // Failed tasks first: they are the cause, canceled ones the consequence.
  const problems = [...failed.map((e) => [e, 'failed'] as const), ...canceled.map((e) => [e, 'canceled'] as const)];
  const shown = problems.length > MAX_PROBLEMS ? MAX_PROBLEMS - 1 : problems.length;
  const problemLines = problems
    .slice(0, shown)
    .map(([[t, i], what]) => (what === 'failed' ? paint(`  ✗ ${label(t, i)} failed: ${failureText(t)}`, 'red', color) : paint(`  ⊘ ${label(t, i)} canceled: ${reasons.reason(t, i)}`, 'yellow', color)));
  if (problems.length > shown) problemLines.push(`  … and ${problems.length - shown} more failed or canceled tasks, listed at the end`);

  const active = [...running, ...retrying];
  const room = active.length > height - 1 - problemLines.length ? Math.max(0, height - 2 - problemLines.length) : active.length;
  const taskWidth = width < 60 ? 10 : 20;
  const activeLines = active.slice(0, room).map(([t, i]) => {
    if (t.State === TaskState.Scheduled) return paint(`  ↻ ${label(t, i)} runs again after ${retryText(t)}`, 'yellow', color);
    const canceling = t.State === TaskState.Canceling;
    const again = retryText(t);
    const note = canceling ? ' (canceling)' : again !== undefined ? ` (attempt ${s.attemptsOf(t.Id)}, run again after ${again})` : '';
    return `  ${paint(bar(t.Progress, taskWidth), canceling ? 'yellow' : 'green', color)} ${t.Progress.toFixed(0).padStart(3)}%  ${label(t, i)}${note}`;
  });
  if (active.length > room) activeLines.push(`  … and ${active.length - room} more running or about to run again`);
  return [head, ...activeLines, ...problemLines];
}

function bar(percent: number, width: number): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Columns a code point takes in a terminal: 2 for East Asian wide and emoji, 0 for combining marks. */
function columnsOf(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

// ESC [ parameters final byte: the only escapes the view writes (colours, cursor moves).
const SGR_AT = /^\x1b\[[0-9;]*[A-Za-z]/;

/** The columns a line takes, its colour escapes not counted. */
export function visibleWidth(line: string): number {
  let w = 0;
  for (let i = 0; i < line.length; ) {
    const esc = line[i] === '\x1b' ? SGR_AT.exec(line.slice(i)) : null;
    if (esc) {
      i += esc[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    w += columnsOf(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return w;
}

/** A line cut to at most `width` columns, ending in … when cut; colour escapes kept, and reset when cut. */
export function clip(line: string, width: number): string {
  if (visibleWidth(line) <= width) return line;
  if (width < 1) return '';
  let w = 0;
  let out = '';
  let painted = false;
  for (let i = 0; i < line.length; ) {
    const esc = line[i] === '\x1b' ? SGR_AT.exec(line.slice(i)) : null;
    if (esc) {
      out += esc[0];
      if (esc[0].endsWith('m')) painted = esc[0] !== '\x1b[0m' && esc[0] !== '\x1b[m';
      i += esc[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const cw = columnsOf(cp);
    if (w + cw > width - 1) break;
    out += String.fromCodePoint(cp);
    w += cw;
    i += cp > 0xffff ? 2 : 1;
  }
  return out + '…' + (painted ? '\x1b[0m' : '');
}
