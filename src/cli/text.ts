/** How the CLI prints text that came from papers or a saved atlas: safe for a terminal, one line per value. */

/**
 * Output made safe for a terminal: no escape sequences, control or invisible characters (bidi
 * overrides, zero-width marks); the output's own line breaks and tabs stay.
 */
export function terminalText(s: string): string {
  return s.replace(/[\u0085\u2028\u2029]/gu, ' ').replace(/(?![\n\t])[\p{Cc}\p{Cf}]/gu, '');
}

/**
 * A value from papers or a saved atlas (a title, label, id, message) as part of one output line:
 * line breaks and tabs become spaces, control and invisible characters go, so no value can start
 * a line of its own (a label cannot forge a line of `paper-atlas themes`).
 */
export function oneLine(s: string): string {
  return s.replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/gu, ' ').replace(/[\p{Cc}\p{Cf}]/gu, '');
}

/** A template whose interpolated values each go through `oneLine`. */
export const line = (parts: TemplateStringsArray, ...values: unknown[]): string =>
  parts.reduce((out, part, i) => `${out}${oneLine(String(values[i - 1]))}${part}`);
