import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OptionError } from '../errors.js';
import { loadNative } from '../native.js';

export interface PngOptions {
  /** [scale=2] Pixels per SVG unit: 2 gives a 2200 × 1520 image of the default 1100 × 760 map. */
  scale?: number;
}

/** The font every PNG is drawn with (from the optional `@expo-google-fonts/inter`): the same pixels on every machine. */
const FONT_FILES = ['400Regular/Inter_400Regular.ttf', '600SemiBold/Inter_600SemiBold.ttf'];

async function renderer(): Promise<{ Resvg: typeof import('@resvg/resvg-js').Resvg; fonts: string[] }> {
  return loadNative('@resvg/resvg-js', async () => {
    const require = createRequire(import.meta.url);
    const { Resvg } = (await import('@resvg/resvg-js')) as typeof import('@resvg/resvg-js');
    const root = dirname(require.resolve('@expo-google-fonts/inter/package.json'));
    return { Resvg, fonts: FONT_FILES.map((f) => join(root, f)) };
  });
}

/**
 * An SVG rendered to PNG by resvg, with the bundled Inter font only (system fonts are never
 * loaded), so the image does not depend on the machine's fonts; the same SVG gives the same bytes
 * on one platform (tested), and across platforms as far as resvg's rasteriser is deterministic.
 */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  const scale = opts.scale ?? 2;
  if (typeof scale !== 'number' || !(scale > 0 && scale <= 8)) throw new OptionError('scale', `must be a number in (0, 8], got ${JSON.stringify(scale)}`);
  const { Resvg, fonts } = await renderer();
  const image = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { fontFiles: fonts, loadSystemFonts: false, defaultFontFamily: 'Inter', sansSerifFamily: 'Inter' },
  }).render();
  return new Uint8Array(image.asPng());
}
