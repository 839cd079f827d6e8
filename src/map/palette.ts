/**
 * Theme colours: Tableau 10 then its lighter companions, which stay distinguishable for up to 20
 * themes; beyond that, evenly spaced hues.
 */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#a0cbe8', '#ffbe7d', '#ff9d9a', '#86bcb6', '#8cd17d', '#f1ce63', '#d4a6c8', '#fabfd2', '#d7b5a6', '#79706e',
];

export function themeColor(theme: number): string {
  if (theme < PALETTE.length) return PALETTE[theme]!;
  return `hsl(${Math.round((theme * 137.508) % 360)}, 55%, 55%)`;
}
