import { clampChroma, converter, differenceCiede2000, displayable, formatHex, wcagContrast, type Oklch } from 'culori';

/** Backgrounds every theme colour must stand out on (WCAG contrast ≥ `MIN_CONTRAST`). */
export const PALETTE_BACKGROUNDS = { light: '#ffffff', dark: '#1e1e1e' } as const;
/** Contrast of each colour against both backgrounds: WCAG's 3:1 for graphical objects. */
export const MIN_CONTRAST = 3;
/** Colours chosen by distance; beyond this many themes they repeat. */
export const PALETTE_SIZE = 64;

const deltaE = differenceCiede2000();

/**
 * Theme colours as far apart as possible: candidates on an OKLCH grid (hue every 6°, four
 * lightnesses, three chroma levels) that sRGB can show and that keep 3:1 contrast on both a white
 * and a near-black background; then, from a blue, each next colour is the candidate farthest (in
 * CIEDE2000) from every colour already taken. Deterministic: the same list everywhere.
 */
function buildPalette(): string[] {
  const candidates: string[] = [];
  for (const l of [0.56, 0.62, 0.68, 0.74]) {
    for (const c of [0.1, 0.14, 0.18]) {
      for (let h = 0; h < 360; h += 6) {
        const color: Oklch = { mode: 'oklch', l, c, h };
        if (!displayable(color)) continue;
        const hex = formatHex(color);
        if (wcagContrast(hex, PALETTE_BACKGROUNDS.light) >= MIN_CONTRAST && wcagContrast(hex, PALETTE_BACKGROUNDS.dark) >= MIN_CONTRAST) candidates.push(hex);
      }
    }
  }
  const unique = [...new Set(candidates)];
  const chosen = [formatHex({ mode: 'oklch', l: 0.62, c: 0.14, h: 252 })];
  const nearest = unique.map((c) => deltaE(c, chosen[0]!));
  while (chosen.length < PALETTE_SIZE) {
    let best = 0;
    for (let i = 1; i < unique.length; i++) if (nearest[i]! > nearest[best]!) best = i;
    const next = unique[best]!;
    chosen.push(next);
    unique.forEach((c, i) => (nearest[i] = Math.min(nearest[i]!, deltaE(c, next))));
  }
  return chosen;
}

let palette: string[] | undefined;

/** The palette, computed on first use. */
export function themePalette(): readonly string[] {
  palette ??= buildPalette();
  return palette;
}

export function themeColor(theme: number): string {
  const p = themePalette();
  return p[((theme % p.length) + p.length) % p.length]!;
}

/** Contrast of label text on its white halo: WCAG's 4.5:1 for text. */
export const LABEL_CONTRAST = 4.5;

const labelColors = new Map<string, string>();

/**
 * The colour a theme's name is written in: the theme's colour, darkened in OKLCH (same hue and
 * chroma, lower lightness) until it reads at `LABEL_CONTRAST` on white, so a name matches its points.
 */
export function labelColor(theme: number): string {
  const base = themeColor(theme);
  let out = labelColors.get(base);
  if (out) return out;
  const c = converter('oklch')(base)!;
  out = base;
  for (let l = c.l; wcagContrast(out, PALETTE_BACKGROUNDS.light) < LABEL_CONTRAST && l > 0; l -= 0.01) out = formatHex(clampChroma({ ...c, l }, 'oklch'));
  labelColors.set(base, out);
  return out;
}
