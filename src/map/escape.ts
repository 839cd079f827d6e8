// Characters XML 1.0 does not allow anywhere (C0 controls but tab and newlines, lone surrogates, U+FFFE/U+FFFF):
// one of them in an SVG makes the whole file fail to render.
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text with the characters XML cannot carry removed. */
export function xmlSafe(s: string): string {
  return s.replace(XML_INVALID, '');
}

/** Escapes text for XML content and attribute values: every paper field passes through here. */
export function escapeXml(s: string): string {
  return xmlSafe(s).replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * JSON that is safe inside a <script> element: `<`, `>` and `&` cannot close the element or start
 * markup, and U+2028/2029 cannot end a JS line.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</gu, '\\u003c')
    .replace(/>/gu, '\\u003e')
    .replace(/&/gu, '\\u0026')
    .replace(/\u2028/gu, '\\u2028')
    .replace(/\u2029/gu, '\\u2029');
}
