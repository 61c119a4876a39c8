import { ProcessorError, type Processor, type ProcessorContext } from './processor.js';
import { DEMO_PROCESSOR_IDS, demoDuration } from '../workload/demo.js';
import { ArgumentRangeError, checkObject, describeValue } from '../errors.js';

export interface DemoOptions {
  /** Multiplies every duration: 0.01 runs a 10 s encode in 100 ms. @defaultValue 1 */
  timeScale?: number;
}

/**
 * Waits `ms`, reporting progress in ten steps, and gives up when the signal fires.
 * Configuration words steer failures for demos and tests: `fail` fails the task, `flaky` fails the
 * first attempt with a TransientError (retried), `hang` never ends and ignores cancellation.
 */
async function work(ctx: ProcessorContext, ms: number): Promise<void> {
  const c = (ctx.configuration ?? '').toLowerCase();
  if (c.includes('hang')) return new Promise<void>(() => {});
  const steps = 10;
  for (let i = 1; i <= steps; i++) {
    await sleep(ms / steps, ctx.signal);
    if (c.includes('flaky') && ctx.attempt === 1 && i === 5) throw new ProcessorError('TransientError', 'the encoder node went away (flaky demo configuration)');
    if (c.includes('fail') && i === 3) throw new ProcessorError('ErrorExecutingTaskUnsupportedFormat', 'the input format is not supported (demo configuration asks to fail)');
    ctx.progress((i * 100) / steps);
  }
}

/**
 * Waits `ms`; no time at all (`--time-scale 0`) still yields to the event loop once, but without
 * a timer: a timer waits at least a millisecond, and a task's ten steps made a 4,000-task chain
 * take most of 51 s at time scale 0.
 */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = ms > 0 ? setTimeout(done, ms) : undefined;
    const immediate = ms > 0 ? undefined : setImmediate(done);
    const onAbort = (): void => {
      clearTimeout(timer);
      clearImmediate(immediate);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An encoder, a packager and a thumbnailer that sleep (scaled) instead of touching media. */
export function demoProcessors(options: DemoOptions = {}): Processor[] {
  checkObject('demoProcessors', '`options`', options, '{ timeScale? }');
  const scale: unknown = options.timeScale ?? 1;
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale >= 0)) throw new ArgumentRangeError(`demoProcessors: expected \`timeScale\` to be a number >= 0, got ${describeValue(scale)}`);
  const make = (kind: keyof typeof DEMO_PROCESSOR_IDS, name: string, description: string): Processor => ({
    id: DEMO_PROCESSOR_IDS[kind],
    name,
    description,
    vendor: 'jobgraph (demo)',
    version: '1.0',
    async run(ctx) {
      ctx.log('Started', `${name} on ${ctx.inputs.length} input(s)`);
      await work(ctx, demoDuration(kind, ctx.configuration) * scale);
      return ctx.outputs.map((o) => ({ kind, assetName: o.assetName, inputs: ctx.inputs.map((i) => i.index) }));
    },
  });
  return [
    make('encoder', 'Media Encoder Standard', 'Demo encoder: sleeps for a time that grows with the preset'),
    make('packager', 'Demo Packager', 'Demo packager: packages encoded renditions for streaming'),
    make('thumbnailer', 'Demo Thumbnailer', 'Demo thumbnailer: makes thumbnails'),
  ];
}
