/** What the TaskBody parser gives: the asset references of one task, with where each stands. */

/** `JobInputAsset(n)`: the job's n-th input asset; `JobOutputAsset(n)`: the job's n-th output asset. */
export type AssetKind = 'JobInputAsset' | 'JobOutputAsset';

/** A parsed, valid asset reference. `index` is a non-negative safe integer (zero-based, as in AMS). */
export interface AssetRef {
  kind: AssetKind;
  index: number;
}

/** 1-based line and column inside the TaskBody text (columns count UTF-16 code units). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** One `<inputAsset>` element. `ref` is null when its text is not a valid reference (a problem says why). */
export interface InputAssetEntry extends SourcePosition {
  ref: AssetRef | null;
  /** The element's text, trimmed. */
  text: string;
}

/** One `<outputAsset>` element with its attributes (either documented spelling). */
export interface OutputAssetEntry extends SourcePosition {
  ref: AssetRef | null;
  text: string;
  /** Parsed decimal value when present and valid (0, 1, 2 or 4); absent when not given or invalid. */
  assetCreationOptions?: number;
  assetName?: string;
  storageAccountName?: string;
  /** NET only: None=0, AdaptiveStreaming=1. */
  assetFormatOption?: number;
}

/** A problem found while reading one TaskBody; the validator turns it into a Diagnostic. */
export interface TaskBodyProblem extends SourcePosition {
  code: string;
  message: string;
  /** A hint specific to this occurrence; when absent the catalogue's hint for the code applies. */
  hint?: string;
}

export interface ParsedTaskBody {
  inputs: InputAssetEntry[];
  outputs: OutputAssetEntry[];
  /** Every problem found, in document order (at most `maxProblems`: the first found). Empty for a valid TaskBody. */
  problems: TaskBodyProblem[];
  /** Present when problems were left out past `maxProblems`: how many (they were counted, not built). */
  omittedProblems?: number;
  /** Present with `omittedProblems`: how many of those left out are errors (the rest are warnings). */
  omittedErrors?: number;
}
