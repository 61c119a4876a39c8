import { ProcessorError, type Processor, type ProcessorContext } from './processor.js';

/** MediaProcessorIds of the demo processors. The encoder has Media Encoder Standard's id (reference §7). */
export const DEMO_PROCESSOR_IDS = {
  encoder: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56',
  packager: 'nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93',
  thumbnailer: 'nb:mpid:UUID:5f3c1d8e-2b7a-4c6e-9f10-3a4b5c6d7e8f',
} as const;

export interface DemoOptions {
  /** Multiplies every duration: 0.01 runs a 10 s encode in 100 ms. @defaultValue 1 */
  timeScale?: number;
}

/**
 * How long a demo task takes, in ms before scaling, from its Configuration: an encode's time grows
 * with its resolution and bitrate ladder, packaging and thumbnails are quick.
 */
export function demoDuration(kind: keyof typeof DEMO_PROCESSOR_IDS, configuration: string | null): number {
  const c = (configuration ?? '').toLowerCase();
  if (kind === 'packager') return 2000;
  if (kind === 'thumbnailer') return 1500;
  if (c.includes('copy')) return 1000;
  let ms = 4000;
  if (c.includes('2160') || c.includes('4k')) ms = 16000;
  else if (c.includes('1080')) ms = 8000;
  else if (c.includes('720')) ms = 5000;
  else if (c.includes('sd') || c.includes('480')) ms = 3000;
  if (c.includes('adaptive') || c.includes('multiple bitrate')) ms *= 1.5;
  return ms;
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An encoder, a packager and a thumbnailer that sleep (scaled) instead of touching media. */
export function demoProcessors(options: DemoOptions = {}): Processor[] {
  const scale = options.timeScale ?? 1;
  if (!(Number.isFinite(scale) && scale >= 0)) throw new RangeError(`demoProcessors: expected \`timeScale\` to be a number >= 0, got ${String(scale)}`);
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
