/**
 * How the page script is bundled: esbuild options shared by the build (tsup.config.ts) and by
 * `pageScript()` when the library runs from source. Plain data, so importing it loads no bundler.
 */
export const PAGE_BUILD = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2019',
  minify: true,
  write: false,
  legalComments: 'none',
  charset: 'utf8',
} as const;

/** The bundled script must be safe to inline in a `<script>` element. */
export function checkInline(code: string): string {
  if (/<\/script|<!--/iu.test(code))
    throw new Error('the bundled page script contains "</script" or "<!--", which would end or confuse its inline <script> element');
  return code.trim();
}

/** The entry point, next to this file. */
export const PAGE_ENTRY = 'main.ts';
