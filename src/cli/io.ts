import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';

/** Where the CLI writes; injectable so tests capture output without spawning a process. */
export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  readFile(path: string): Promise<string>;
  env: Record<string, string | undefined>;
}

/** A command's parseArgs options (node:util does not export the type by this name). */
export type CliOptions = NonNullable<ParseArgsConfig['options']>;

export const processIO: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  readFile: async (path) => (path === '-' ? decodeText(await readStdin()) : readText(path)),
  env: process.env,
};

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The text of the file at `path` (see {@link decodeText}). */
export async function readText(path: string): Promise<string> {
  return decodeText(await readFile(path));
}

/**
 * A file's text: UTF-8, unless a byte-order mark says UTF-16 (little- or big-endian). Windows
 * PowerShell 5 writes UTF-16LE with a mark (`>` and `Out-File`); read as UTF-8, such a job was one
 * JSON_MALFORMED at its first byte. The UTF-8 mark is kept: the readers skip it.
 */
export function decodeText(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    // Buffer has no big-endian UTF-16: swap each pair (an odd last byte is dropped, as a decoder would).
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    return swapped.swap16().toString('utf16le');
  }
  return bytes.toString('utf8');
}

/** A usage or I/O problem: exit status 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Colour only on a TTY, and never when NO_COLOR is set. */
export function useColor(io: CliIO): boolean {
  return io.stdout.isTTY === true && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}

export function ioMessage(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return `cannot read ${path}: no such file`;
  if (e.code === 'EISDIR') return `cannot read ${path}: it is a directory`;
  if (e.code === 'EACCES') return `cannot read ${path}: permission denied`;
  return `cannot read ${path}: ${e.message}`;
}

/** Installs a handler of SIGINT and SIGTERM (long-running commands stop on either); returns its removal. */
export const processSignals = (handler: (signal: string) => void): (() => void) => {
  const onInt = (): void => handler('SIGINT');
  const onTerm = (): void => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
};

/**
 * An integer option from `min` to `max`, in decimal digits; undefined when not given, a usage error
 * otherwise. Number() alone read '' as 0, '0x10' as 16 and '1e3' as 1000.
 */
export function integer(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\s*[+-]?\d+\s*$/.test(v) || n < min || n > max) throw new CliError(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return n;
}

/**
 * The largest `--time-scale`. The demo durations, the retry delays (up to 30 s × X) and a workload's
 * arrivals become timers, and setTimeout takes a wait beyond 2^31 - 1 ms (24.8 days) for 1 ms:
 * 1e9 ended every task at once, 1e308 made an Infinity retry delay that crashed the engine.
 */
export const MAX_TIME_SCALE = 1000;

/** `--time-scale X`: a decimal number from 0 to {@link MAX_TIME_SCALE}; `fallback` when not given. */
export function timeScaleFlag(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\s*\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) || !(n >= 0 && n <= MAX_TIME_SCALE))
    throw new CliError(`--time-scale must be a number from 0 to ${MAX_TIME_SCALE}, not ${JSON.stringify(v)}`);
  return n;
}
