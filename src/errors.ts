/**
 * Every error paper-atlas throws on purpose is a `PaperAtlasError` with a stable `code`, so callers
 * (and the CLI's exit codes) can tell bad input from a broken installation without parsing messages.
 */

/** The stable error codes. */
export type ErrorCode = 'E_CORPUS' | 'E_MODEL' | 'E_ATLAS_FILE' | 'E_UNKNOWN_PAPER' | 'E_AMBIGUOUS_PAPER' | 'E_OPTION' | 'E_STAGE' | 'E_DEPENDENCY';

export class PaperAtlasError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Where in an input a bad record sits; every field is optional because not every format has lines. */
export interface InputLocation {
  /** File path, or a label such as `records` for in-memory input. */
  source: string;
  /** 1-based line number in the source, when the format has lines. */
  line?: number;
  /** 1-based record (paper) number within the source. */
  record?: number;
  /** The field that is missing or malformed (`title`, `abstract`, ...). */
  field?: string;
}

/** An option that would fix an input error, so an API caller and the CLI can each name it their way. */
export interface FixHint {
  option: 'format' | 'encoding' | 'jsonKey' | 'fields' | 'missingAbstract';
  value?: string;
}

export function formatLocation(loc: InputLocation): string {
  const parts = [loc.source];
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.record !== undefined) parts.push(`record ${loc.record}`);
  if (loc.field !== undefined) parts.push(`field "${loc.field}"`);
  return parts.join(', ');
}

/** Input that cannot be read as papers: malformed file, missing field, bad encoding, duplicate id. */
export class CorpusError extends PaperAtlasError {
  readonly source: string;
  readonly line: number | undefined;
  readonly record: number | undefined;
  readonly field: string | undefined;
  /** What is wrong, without the location. */
  readonly problem: string;
  /** The option that would fix it, if one would. */
  readonly hint: FixHint | undefined;
  constructor(loc: InputLocation, problem: string, options?: { cause?: unknown; hint?: FixHint }) {
    const fix = options?.hint ? `; pass ${options.hint.option}${options.hint.value !== undefined ? ` "${options.hint.value}"` : ''}` : '';
    super('E_CORPUS', `${formatLocation(loc)}: ${problem}${fix}`, options);
    this.source = loc.source;
    this.line = loc.line;
    this.record = loc.record;
    this.field = loc.field;
    this.problem = problem;
    this.hint = options?.hint;
  }
}

/** No usable embedding model: names every place that was tried and how to fix it. */
export class ModelError extends PaperAtlasError {
  readonly tried: readonly string[];
  constructor(message: string, tried: readonly string[] = [], options?: { cause?: unknown }) {
    const list = tried.length ? `\nTried:\n${tried.map((t) => `  - ${t}`).join('\n')}` : '';
    super('E_MODEL', `${message}${list}`, options);
    this.tried = tried;
  }
}

/** A saved atlas (or one of its files) is missing, corrupted, from another version or another model. */
export class AtlasFileError extends PaperAtlasError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('E_ATLAS_FILE', `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A paper id/title lookup matched nothing, or more than one paper. */
export class PaperLookupError extends PaperAtlasError {
  readonly query: string;
  /** The closest ids, best first, so the caller can offer "did you mean". */
  readonly candidates: readonly string[];
  constructor(query: string, problem: 'unknown' | 'ambiguous', candidates: readonly string[]) {
    const hint = candidates.length ? ` Closest: ${candidates.map((c) => `"${c}"`).join(', ')}.` : '';
    super(
      problem === 'unknown' ? 'E_UNKNOWN_PAPER' : 'E_AMBIGUOUS_PAPER',
      `${problem === 'unknown' ? 'No paper matches' : 'More than one paper matches'} "${query}".${hint}`,
    );
    this.query = query;
    this.candidates = candidates;
  }
}

/** A caller passed an option outside its documented range. */
export class OptionError extends PaperAtlasError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super('E_OPTION', `option "${option}": ${problem}`);
    this.option = option;
  }
}

/**
 * A pipeline stage (a custom reducer, clusterer, labeller or store, or a built-in one) returned
 * something the pipeline cannot use, or a saved atlas needs a custom stage that was not passed.
 */
export class StageError extends PaperAtlasError {
  readonly stage: string;
  constructor(stage: string, problem: string, options?: { cause?: unknown }) {
    super('E_STAGE', `${stage}: ${problem}`, options);
    this.stage = stage;
  }
}

/**
 * A native dependency (hnswlib-node, onnxruntime-node) is not installed or its binary does not load;
 * the message says what is missing and the command that fixes it.
 */
export class DependencyError extends PaperAtlasError {
  readonly dependency: string;
  constructor(dependency: string, problem: string, options?: { cause?: unknown }) {
    super('E_DEPENDENCY', `${dependency}: ${problem}`, options);
    this.dependency = dependency;
  }
}

/** True for errors caused by what the user gave us (exit code 2), false for internal failures (1). */
export function isInputError(err: unknown): boolean {
  return (
    err instanceof CorpusError || err instanceof AtlasFileError || err instanceof PaperLookupError || err instanceof OptionError || err instanceof StageError
  );
}

/** Throws an OptionError for a key of `given` that is not one of `allowed` (a typo would otherwise be ignored). */
/** Where warnings go unless the caller says otherwise: Node's warning channel (stderr), code PAPER_ATLAS. */
export const warnDefault = (message: string): void => process.emitWarning(message, { code: 'PAPER_ATLAS' });

/**
 * The keys of an options type, listed once where the type is checked; the compiler refuses a list
 * that misses one: `const KEYS = optionKeys<MapOptions>()('relatedPerPaper', 'why', 'title')`.
 */
export function optionKeys<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })
  ): readonly string[] => keys;
}

/** Refuses an options object holding a key the callee does not know (a typo would otherwise do nothing). */
export function checkOptionsObject(option: string, given: unknown, allowed: readonly string[]): void {
  if (given === undefined) return;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new OptionError(option, `must be an object (${allowed.join(', ')})`);
  rejectUnknownKeys(option, given, allowed);
}

export function rejectUnknownKeys(option: string, given: object | undefined, allowed: readonly string[]): void {
  if (!given) return;
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) throw new OptionError(option, `has no setting "${key}"; known: ${allowed.join(', ')}`);
  }
}

/** The value if it is an integer in [min, max]; else an OptionError naming the option and the range. */
export function integerOption(option: string, value: unknown, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new OptionError(option, `must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value as number;
}

/** The value if it is a number in [min, max]; else an OptionError naming the option and the range. */
export function numberOption(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !(value >= min && value <= max))
    throw new OptionError(option, `must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return value;
}
