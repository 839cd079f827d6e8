import { Atlas, Corpus, loadBundledCorpus } from '../src/index.js';
const corpus = await loadBundledCorpus();
const first = corpus.papers.filter((_, i) => i % 10 !== 9);
const rest = corpus.papers.filter((_, i) => i % 10 === 9);
const a = await Atlas.build(Corpus.from(first), { seed: 42, onWarning: () => undefined });
const before = a.themes;
const mapBefore = await a.map({ relatedPerPaper: 0 });
const { changes } = await a.update(rest, { refit: 'always' });
const keptFrom = new Set(changes!.kept.map((k) => k.from));
const staying = before.filter((th) => keptFrom.has(th.id)).flatMap((th) => th.paperIds.map((id) => [id, th.id] as const));
const keptShare = staying.filter(([id, th]) => a.themeOf(id).id === th).length / staying.length;
const mapAfter = await a.map({ relatedPerPaper: 0 });
const pos = new Map(mapAfter.points.map((p) => [p.id, p]));
const xs = mapBefore.points.map((p) => p.x);
const d = mapBefore.points.map((p) => Math.hypot(p.x - pos.get(p.id)!.x, p.y - pos.get(p.id)!.y)).sort((x, y) => x - y);
console.log(
  'k',
  before.length,
  '->',
  a.themes.length,
  'kept',
  changes!.kept.length,
  'born',
  changes!.born.length,
  'dissolved',
  changes!.dissolved.length,
  'keep where kept',
  keptShare.toFixed(3),
  'stayed',
  changes!.stayed,
  'shift',
  (d[d.length >> 1]! / (Math.max(...xs) - Math.min(...xs))).toFixed(4),
);
