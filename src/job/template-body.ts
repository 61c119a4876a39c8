/**
 * The outer structure of a JobTemplateBody (reference §3.1):
 * `<jobTemplate> (<taskBody taskTemplateId="nb:ttid:UUID:…"> … </taskBody>)+ </jobTemplate>`.
 *
 * Why a scanner and not a second XML parser: each `<taskBody>` element is handed, as text, to the
 * TaskBody parser, which checks it as strictly as the TaskBody of an inline task (the same problems,
 * the same hints). What is left for this module is the frame around them: a prolog, the root, the
 * `<taskBody>` elements, comments and white space between them, and nothing after the root. Every
 * step moves forward with `indexOf` or a sticky regex, so hostile input costs linear time and
 * never throws; the first structural problem ends the scan.
 */
import { isXmlSpace } from '../taskbody/asset-ref.js';
import { LineMap } from '../taskbody/position.js';

/** One `<taskBody>` of a JobTemplateBody. */
export interface TemplateTaskBody {
  /** The element as text, from its `<` to the end of its `</taskBody>`: the TaskBody of the task it makes. */
  text: string;
  /** Offset of its `<` in the JobTemplateBody, and the 1-based line and column there. */
  start: number;
  line: number;
  column: number;
  /** The `taskTemplateId` (or `TaskTemplateId`) attribute, entity references resolved; undefined when absent or unreadable. */
  taskTemplateId: string | undefined;
}

/** A problem of the frame; `line`/`column` are 1-based in the JobTemplateBody. */
export interface TemplateBodyProblem {
  code: 'TEMPLATE_INVALID' | 'XML_MALFORMED' | 'XML_DOCTYPE_FORBIDDEN';
  message: string;
  line: number;
  column: number;
  hint?: string;
}

export interface ScannedTemplateBody {
  bodies: TemplateTaskBody[];
  problems: TemplateBodyProblem[];
}

/** Problems of the frame kept per body: past a few, more say nothing new. */
const MAX_FRAME_PROBLEMS = 20;

const NAME = /<([A-Za-z_][-\w.:]*)/y;
const CLOSE_NAME = /<\/([A-Za-z_][-\w.:]*)\s*>/y;
/** A `</taskBody>` (group 1 undefined), or the start of a construct whose text may hold one. */
const TASKBODY_CLOSE = /<\/taskbody\s*>|(<!--|<!\[CDATA\[|<\?)/gi;
const ROOT_CLOSE = /<\/jobtemplate\b/gi;
const ATTRIBUTE = /([A-Za-z_:][-\w.:]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** The five predefined entities and character references; anything else is left as written. */
function unescape(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g, (_, e: string) => {
    switch (e) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const n = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return n <= 0x10ffff ? String.fromCodePoint(n) : `&${e};`;
  });
}

class Scanner {
  readonly lines = new LineMap();
  readonly bodies: TemplateTaskBody[] = [];
  readonly problems: TemplateBodyProblem[] = [];
  stopped = false;

  constructor(readonly src: string) {
    this.lines.reset(src);
  }

  problem(code: TemplateBodyProblem['code'], offset: number, message: string, hint?: string): void {
    if (this.problems.length >= MAX_FRAME_PROBLEMS) return;
    const { line, column } = this.lines.at(offset);
    this.problems.push(hint === undefined ? { code, message, line, column } : { code, message, line, column, hint });
  }

  stop(code: TemplateBodyProblem['code'], offset: number, message: string, hint?: string): number {
    this.problem(code, offset, message, hint);
    this.stopped = true;
    return this.src.length;
  }

  /** Past white space, comments and processing instructions (the XML declaration among them). */
  skipMisc(i: number): number {
    const src = this.src;
    for (;;) {
      while (i < src.length && isXmlSpace(src.charCodeAt(i))) i++;
      if (src.startsWith('<?', i)) {
        const end = src.indexOf('?>', i + 2);
        if (end < 0) return this.stop('XML_MALFORMED', i, 'a processing instruction or XML declaration that is never closed', 'end it with ?>');
        i = end + 2;
      } else if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) return this.stop('XML_MALFORMED', i, 'a comment that is never closed', 'end the comment with -->');
        i = end + 3;
      } else {
        return i;
      }
    }
  }

  /** Offset just after the `>` of the start tag at `i` (quotes respected), or -1 when the text ends first. */
  tagEnd(i: number): number {
    const src = this.src;
    let quote = 0;
    for (let k = i + 1; k < src.length; k++) {
      const c = src.charCodeAt(k);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      } else if (c === 0x3e) {
        return k + 1;
      } else if (c === 0x3c) {
        return -1; // a `<` inside a tag: the tag is broken; the TaskBody parser says how
      }
    }
    return -1;
  }

  /** `<!…` at the frame level: a DOCTYPE or entity declaration is refused, anything else is malformed. */
  bang(i: number): number {
    const head = this.src.slice(i, i + 9).toUpperCase();
    if (head.startsWith('<!DOCTYPE') || head.startsWith('<!ENTITY')) {
      return this.stop('XML_DOCTYPE_FORBIDDEN', i, 'a DOCTYPE or entity declaration; refused, and the rest of the JobTemplateBody is not read', 'remove the declaration: a JobTemplateBody needs none');
    }
    if (this.src.startsWith('<![CDATA[', i)) return -1;
    return this.stop('XML_MALFORMED', i, 'unfinished markup <!', 'a comment is <!-- ... -->');
  }

  scan(): void {
    const src = this.src;
    let i = this.skipMisc(src.charCodeAt(0) === 0xfeff ? 1 : 0);
    if (this.stopped) return;
    if (i >= src.length) {
      this.stop('TEMPLATE_INVALID', 0, src.trim() === '' ? 'the JobTemplateBody is empty' : 'the JobTemplateBody has no root element');
      return;
    }
    if (src.startsWith('<!', i)) {
      this.bang(i);
      if (this.stopped) return;
    }
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (m === null) {
      this.stop('TEMPLATE_INVALID', i, 'the JobTemplateBody does not start with <jobTemplate>', 'a JobTemplateBody is <jobTemplate> with one <taskBody taskTemplateId="…"> per TaskTemplate');
      return;
    }
    const rootName = m[1]!;
    const lower = rootName.toLowerCase();
    if (lower === 'taskbody') {
      this.stop('TEMPLATE_INVALID', i, 'the JobTemplateBody is a lone <taskBody>', 'wrap the <taskBody> elements in <jobTemplate>…</jobTemplate>');
      return;
    }
    if (lower !== 'jobtemplate') {
      this.stop('TEMPLATE_INVALID', i, `the root element is <${clip(rootName)}>, not <jobTemplate>`, 'a JobTemplateBody is <jobTemplate> with one <taskBody taskTemplateId="…"> per TaskTemplate');
      return;
    }
    if (rootName !== 'jobTemplate') this.problem('TEMPLATE_INVALID', i, `<${clip(rootName)}> is not <jobTemplate>`, 'element names are case-sensitive: write <jobTemplate>');
    const rootEnd = this.tagEnd(i);
    if (rootEnd < 0) {
      this.stop('XML_MALFORMED', i, `the start tag <${clip(rootName)} is not closed`, 'end the start tag with >');
      return;
    }
    if (src.charCodeAt(rootEnd - 2) === 0x2f) {
      this.stop('TEMPLATE_INVALID', i, '<jobTemplate/> is empty: it has no <taskBody>', 'add one <taskBody taskTemplateId="…"> per TaskTemplate');
      return;
    }
    i = this.children(rootEnd, rootName);
    if (this.stopped) return;
    i = this.skipMisc(i);
    if (!this.stopped && i < src.length) this.problem('XML_MALFORMED', i, 'content after </jobTemplate>', 'a JobTemplateBody has one root element; put every <taskBody> inside <jobTemplate>');
  }

  /** The content of the root, from `i` to its close tag; returns the offset after it. */
  children(i: number, rootName: string): number {
    const src = this.src;
    const firstChild = i;
    for (;;) {
      if (this.problems.length >= MAX_FRAME_PROBLEMS) return this.stop('TEMPLATE_INVALID', i, 'too many problems in the JobTemplateBody; the rest is not read');
      i = this.skipMisc(i);
      if (this.stopped) return i;
      if (i >= src.length) return this.stop('XML_MALFORMED', src.length, `the document ends before </${clip(rootName)}>`, 'close the root with </jobTemplate>');
      if (src.charCodeAt(i) !== 0x3c) {
        const next = src.indexOf('<', i);
        const end = next < 0 ? src.length : next;
        this.problem('TEMPLATE_INVALID', i, 'text inside <jobTemplate>, outside any <taskBody>', 'a <jobTemplate> holds only <taskBody> elements');
        i = end;
        continue;
      }
      if (src.startsWith('</', i)) {
        CLOSE_NAME.lastIndex = i;
        const c = CLOSE_NAME.exec(src);
        if (c === null) return this.stop('XML_MALFORMED', i, 'a closing tag that is not well-formed', `close the root with </${rootName}>`);
        const name = c[1]!;
        if (name !== rootName) {
          if (name.toLowerCase() !== 'jobtemplate') return this.stop('XML_MALFORMED', i, `</${clip(name)}> does not close <${clip(rootName)}>`, `close the root with </${rootName}>`);
          // The reference's own sample closes <jobTemplate> with </jobtemplate>.
          this.problem('XML_MALFORMED', i, `</${clip(name)}> does not close <${clip(rootName)}>`, `element names are case-sensitive: write </${rootName}>`);
        }
        if (this.bodies.length === 0 && this.problems.every((p) => p.code !== 'XML_MALFORMED' || p.message.startsWith('</'))) {
          this.problem('TEMPLATE_INVALID', firstChild, '<jobTemplate> has no <taskBody>', 'add one <taskBody taskTemplateId="…"> per TaskTemplate');
        }
        return CLOSE_NAME.lastIndex;
      }
      if (src.startsWith('<!', i)) {
        const r = this.bang(i);
        if (this.stopped) return r;
        const end = src.indexOf(']]>', i);
        if (end < 0) return this.stop('XML_MALFORMED', i, 'a CDATA section that is never closed', 'end the CDATA section with ]]>');
        if (src.slice(i + 9, end).trim() !== '') this.problem('TEMPLATE_INVALID', i, 'text inside <jobTemplate>, outside any <taskBody>', 'a <jobTemplate> holds only <taskBody> elements');
        i = end + 3;
        continue;
      }
      NAME.lastIndex = i;
      const m = NAME.exec(src);
      if (m === null) return this.stop('XML_MALFORMED', i, 'a < that starts no element', 'write &lt; for a literal <');
      const name = m[1]!;
      const tagEnd = this.tagEnd(i);
      if (name.toLowerCase() === 'taskbody') {
        i = this.taskBody(i, tagEnd);
        continue;
      }
      this.problem('TEMPLATE_INVALID', i, `<${clip(name)}> is not a JobTemplateBody element`, 'a <jobTemplate> holds only <taskBody taskTemplateId="…"> elements');
      if (tagEnd < 0) return this.stop('XML_MALFORMED', i, `the start tag <${clip(name)} is not closed`, 'end the start tag with >');
      if (src.charCodeAt(tagEnd - 2) === 0x2f) {
        i = tagEnd;
        continue;
      }
      const close = src.indexOf(`</${name}`, tagEnd);
      if (close < 0) return this.stop('XML_MALFORMED', i, `<${clip(name)}> is never closed`, `close it with </${name}>, or remove it`);
      const gt = src.indexOf('>', close);
      i = gt < 0 ? src.length : gt + 1;
    }
  }

  /**
   * The offset after the first `</taskBody>` from `i` that is markup, or -1: one inside a comment, a
   * CDATA section or a processing instruction is text (it cut valid bodies in two). Unclosed, those
   * run to the end, and the TaskBody parser says so.
   */
  closeOf(i: number): number {
    const src = this.src;
    TASKBODY_CLOSE.lastIndex = i;
    for (let m = TASKBODY_CLOSE.exec(src); m !== null; m = TASKBODY_CLOSE.exec(src)) {
      if (m[1] === undefined) return TASKBODY_CLOSE.lastIndex;
      const end = src.indexOf(m[1] === '<!--' ? '-->' : m[1] === '<?' ? '?>' : ']]>', TASKBODY_CLOSE.lastIndex);
      if (end < 0) return -1;
      TASKBODY_CLOSE.lastIndex = end;
    }
    return -1;
  }

  /** A `<taskBody>` at `i` whose start tag ends at `tagEnd` (-1: broken); returns the offset after it. */
  taskBody(i: number, tagEnd: number): number {
    const src = this.src;
    let end: number;
    if (tagEnd >= 0 && src.charCodeAt(tagEnd - 2) === 0x2f) {
      end = tagEnd;
    } else {
      const close = this.closeOf(tagEnd < 0 ? i : tagEnd);
      if (close >= 0) {
        end = close;
      } else {
        // No closer (the reference sample writes it `<taskBody>`): the element runs to the root's
        // close, and the TaskBody parser says what is missing.
        ROOT_CLOSE.lastIndex = i;
        let last = -1;
        for (let r = ROOT_CLOSE.exec(src); r !== null; r = ROOT_CLOSE.exec(src)) last = r.index;
        end = last < 0 ? src.length : last;
      }
    }
    const { line, column } = this.lines.at(i);
    let taskTemplateId: string | undefined;
    if (tagEnd >= 0) {
      const tag = src.slice(i, tagEnd);
      ATTRIBUTE.lastIndex = 0;
      for (let a = ATTRIBUTE.exec(tag); a !== null; a = ATTRIBUTE.exec(tag)) {
        if (a[1] === 'taskTemplateId' || a[1] === 'TaskTemplateId') {
          taskTemplateId ??= unescape(a[2] ?? a[3] ?? '');
        }
      }
    }
    this.bodies.push({ text: src.slice(i, end), start: i, line, column, taskTemplateId });
    return end;
  }
}

/**
 * Reads the frame of a JobTemplateBody: its `<taskBody>` elements, in order, each as text with its
 * place and `taskTemplateId`, and the problems of the frame (not of the `<taskBody>` contents:
 * those are the TaskBody parser's). Never throws for a string.
 */
export function scanJobTemplateBody(text: string): ScannedTemplateBody {
  const s = new Scanner(text);
  s.scan();
  return { bodies: s.bodies, problems: s.problems };
}

/**
 * Moves a place inside one `<taskBody>` (1-based, relative to its text) to the JobTemplateBody:
 * lines below the first keep their column; the first is shifted by where the element starts.
 */
export function placeInTemplate(body: Pick<TemplateTaskBody, 'line' | 'column'>, line: number, column: number): { line: number; column: number } {
  return line === 1 ? { line: body.line, column: body.column + column - 1 } : { line: body.line + line - 1, column };
}
