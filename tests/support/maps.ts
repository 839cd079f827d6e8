import seedrandom from 'seedrandom';
import { themeColor } from '../../src/map/palette.js';
import type { MapData, MapPoint } from '../../src/map/types.js';

const WORDS =
  'optimal transport bilevel preference regularized gradient descent convex sparse kernel bayesian learning neural network stochastic variance reduction implicit bias sharpness adversarial robust'.split(
    ' ',
  );

/**
 * A map without an atlas behind it, for the renderers at sizes no test could embed: `themes` blobs
 * of 2-D points (theme = row mod themes), seeded titles of about 80 characters from a small
 * vocabulary, 5 random related papers each, one label per theme at its blob's centre.
 */
export function syntheticMap(n: number, themes = 50, seed = `map-${n}`): MapData & { centres: (readonly [number, number])[] } {
  const rng = seedrandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const centres = Array.from({ length: themes }, () => [rng() * 20 - 10, rng() * 20 - 10] as const);
  const points: MapPoint[] = [];
  for (let i = 0; i < n; i++) {
    const theme = i % themes;
    const [cx, cy] = centres[theme]!;
    let title = '';
    while (title.length < 80) title += `${WORDS[Math.floor(rng() * WORDS.length)]} `;
    points.push({
      id: `p${i}`,
      title: title.trim(),
      x: cx + gauss() * 0.8,
      y: cy + gauss() * 0.8,
      theme,
      related: Array.from({ length: 5 }, () => `p${Math.floor(rng() * n)}`),
    });
  }
  const labels = centres.map(([x, y], theme) => ({
    theme,
    text: `${WORDS[theme % WORDS.length]} ${WORDS[(theme * 7 + 3) % WORDS.length]}`,
    x,
    y,
    size: Math.ceil(n / themes),
    color: themeColor(theme),
  }));
  return { points, labels, sublabels: [], title: `${n} synthetic papers`, centres };
}
