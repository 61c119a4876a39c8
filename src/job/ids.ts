import { randomBytes, randomFillSync } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { ArgumentRangeError, describeValue } from '../errors.js';

/** Entity id prefixes of AMS v2. */
export const ID_PREFIX = {
  job: 'nb:jid:UUID:',
  task: 'nb:tid:UUID:',
  asset: 'nb:cid:UUID:',
  mediaProcessor: 'nb:mpid:UUID:',
  contentKey: 'nb:kid:UUID:',
  notificationEndPoint: 'nb:nepid:UUID:',
} as const;

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
export const MEDIA_PROCESSOR_ID = new RegExp(`^nb:mpid:UUID:${GUID}$`);
export const CONTENT_KEY_ID = new RegExp(`^nb:kid:UUID:${GUID}$`);
export const ASSET_ID = new RegExp(`^nb:cid:UUID:${GUID}$`);
export const JOB_ID = new RegExp(`^nb:jid:UUID:${GUID}$`);
export const TASK_ID = new RegExp(`^nb:tid:UUID:${GUID}$`);

/** Makes entity ids; injectable so tests, snapshots and simulations can be deterministic. */
export type IdFactory = (kind: 'job' | 'task') => string;

/** Ids made per batch: one random fill and one string for this many. */
const BATCH = 256;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * Writes the GUID of the 16 random bytes at `bytes[from]` into `out` at `o` (version 4, RFC 4122
 * variant), lower-case hex with its four dashes; returns where it ends.
 */
function writeGuid(out: Uint8Array, o: number, bytes: Uint8Array, from: number): number {
  for (let b = 0; b < 16; b++) {
    let v = bytes[from + b]!;
    if (b === 6) v = (v & 0x0f) | 0x40; // version 4
    else if (b === 8) v = (v & 0x3f) | 0x80; // RFC 4122 variant
    if (b === 4 || b === 6 || b === 8 || b === 10) out[o++] = 0x2d;
    out[o++] = HEX[v >> 4]!;
    out[o++] = HEX[v & 15]!;
  }
  return o;
}

/** A batch of random ids of one kind, written into one string and handed out as slices of it. */
class IdPool {
  private text = '';
  private next = BATCH;
  private readonly width: number;

  constructor(private readonly prefix: string) {
    this.width = prefix.length + 36;
  }

  take(): string {
    if (this.next === BATCH) this.refill();
    const at = this.next++ * this.width;
    return this.text.slice(at, at + this.width);
  }

  private refill(): void {
    const random = randomBytes(16 * BATCH);
    const out = Buffer.allocUnsafe(this.width * BATCH);
    const prefix = this.prefix;
    let o = 0;
    for (let i = 0; i < BATCH; i++) {
      for (let c = 0; c < prefix.length; c++) out[o++] = prefix.charCodeAt(c);
      o = writeGuid(out, o, random, i * 16);
    }
    this.text = out.toString('latin1', 0, o);
    this.next = 0;
  }
}

const pools = { job: new IdPool(ID_PREFIX.job), task: new IdPool(ID_PREFIX.task) };

/** The task prefix, then room for a GUID: each lazy task id is written here and read out as one string. */
const TASK_TEXT = Buffer.alloc(ID_PREFIX.task.length + 36, ID_PREFIX.task, 'latin1');

/** The task id of the 16 random bytes at `bytes[at * 16]` (a version-4 GUID, RFC 4122 variant). */
function taskIdText(bytes: Uint8Array, at: number): string {
  const out = TASK_TEXT;
  const o = writeGuid(out, ID_PREFIX.task.length, bytes, at * 16);
  // latin1Slice: toString('latin1') without looking the encoding up each time (a tenth of an id).
  return (out as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(0, o);
}

/** Random task ids per chunk: 16 bytes each, one random fill a chunk. */
const ID_CHUNK = 4096;

/**
 * @internal Random task ids kept as their 16 random bytes until one is read as text. A task the
 * loader makes with the built-in {@link randomIds} holds the chunk and its slot, not a string: at a
 * million tasks the strings (a slice and its share of a batch string, about 84 bytes an id) were an
 * eighth of what a submitted job held, and nothing on the way from a definition to a drain reads
 * them (the scheduler indexes ids only when one is first looked up). The text is the one
 * {@link randomIds} would have made from the same bytes.
 */
export class TaskIdBits {
  readonly bytes = new Uint8Array(16 * ID_CHUNK);
  used = 0;

  constructor() {
    randomFillSync(this.bytes);
  }

  text(slot: number): string {
    return taskIdText(this.bytes, slot);
  }
}

let idChunk = new TaskIdBits();

/** @internal The chunk the next lazy task id comes from (a fresh one when the current is used up). */
export function taskIdChunk(): TaskIdBits {
  if (idChunk.used === ID_CHUNK) idChunk = new TaskIdBits();
  return idChunk;
}

/**
 * Random version-4 GUIDs with the entity prefix. Made in batches: `randomUUID()` plus the prefix
 * cost ~2 µs and ~500 bytes of heap an id (its string is built from pieces), which showed in jobs
 * of a million tasks; an id here is a slice of a batch string (~80 bytes).
 */
export const randomIds: IdFactory = (kind) => {
  // The loader asks with its own kinds; a caller of the factory may not.
  if (kind !== 'job' && kind !== 'task') throw badKind('randomIds', kind);
  return pools[kind].take();
};

function badKind(call: string, kind: unknown): ArgumentRangeError {
  return new ArgumentRangeError(`${call}: expected \`kind\` to be "job" or "task", got ${describeValue(kind)}`, 'ERR_INVALID_ARG_VALUE');
}

/**
 * Deterministic ids from a counter: `nb:jid:UUID:00000000-0000-4000-8000-000000000001`, … Each
 * factory counts on its own.
 */
export function sequentialIds(start = 1): IdFactory {
  if (!(Number.isSafeInteger(start) && start >= 0)) throw new ArgumentRangeError(`sequentialIds: expected \`start\` to be an integer >= 0, got ${describeValue(start)}`);
  let n = start;
  return (kind) => {
    if (kind !== 'job' && kind !== 'task') throw badKind('sequentialIds', kind);
    const hex = (n++).toString(16).padStart(12, '0');
    return `${ID_PREFIX[kind]}00000000-0000-4000-8000-${hex}`;
  };
}
