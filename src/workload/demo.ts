/**
 * The demo processors as data: their MediaProcessorIds and how long each kind of task takes. The
 * workload generators, the simulator and the runnable demo processors (run/demo-processors.ts) all
 * read it, so it sits below them.
 */
/** MediaProcessorIds of the demo processors. The encoder has Media Encoder Standard's id (reference §7). */
export const DEMO_PROCESSOR_IDS = {
  encoder: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56',
  packager: 'nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93',
  thumbnailer: 'nb:mpid:UUID:5f3c1d8e-2b7a-4c6e-9f10-3a4b5c6d7e8f',
} as const;

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
