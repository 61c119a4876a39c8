import { parseArgs } from 'node:util';
import type { CliOptions } from './io.js';
import { closest } from '../diagnostics/suggest.js';

/** node:util parseArgs refusing the arguments: its errors have codes ERR_PARSE_ARGS_*. */
export function isParseArgsError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * Our message for a parseArgs refusal. Node's text speaks of its own syntax ("Option '--seed
 * <value>' argument missing") and carries no option name, so the arguments are read again, leniently
 * and as tokens, to find the first one strict parsing refused, as strict parsing would have.
 */
export function parseErrorMessage(err: Error & { code: string }, args: readonly string[], options: CliOptions): string {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'option-terminator') break;
    if (t.kind === 'positional') {
      if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${JSON.stringify(t.value)}`;
      continue;
    }
    const option = Object.hasOwn(options, t.name) ? options[t.name]! : undefined;
    if (option === undefined) return unknownOption(t.rawName, args[t.index]!, options);
    if (option.type === 'string') {
      if (t.value === undefined) return `${t.rawName} needs a value`;
      // Strict parsing takes "--seed -1" for a forgotten value followed by another option.
      if (!t.inlineValue && t.value.startsWith('-')) return `${t.rawName} needs a value; one that starts with "-" is written --${t.name}=${t.value}`;
    } else if (t.value !== undefined) {
      return `${t.rawName} takes no value`;
    }
  }
  return err.message;
}

function unknownOption(rawName: string, arg: string, options: CliOptions): string {
  const longNames = Object.keys(options);
  const word = rawName.replace(/^--?/, '');
  // "-seed" is read as the short options -s -e -e -d; the whole word is what was meant.
  const whole = /^-[^-]/.test(arg) && arg.length > 2 ? arg.slice(1).split('=')[0]! : undefined;
  const wholeMatch = whole === undefined ? undefined : closest(whole, longNames);
  if (wholeMatch !== undefined) return `unknown option -${whole}; did you mean --${wholeMatch}?`;
  const match = rawName.startsWith('--') ? closest(word, longNames) : undefined;
  return match === undefined ? `unknown option ${rawName}` : `unknown option ${rawName}; did you mean --${match}?`;
}
