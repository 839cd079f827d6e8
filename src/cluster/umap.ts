import seedrandom from 'seedrandom';
import { UMAP } from 'umap-js';

/** umap-js settings; defaults follow umap-learn (and BERTopic's use of it). */
export interface UmapOptions {
  /** Neighbourhood size: larger keeps more global structure (default 15, capped at papers − 1). */
  nNeighbors?: number;
  /** How tightly points pack in the layout (default 0.1 for maps, 0 for the clustering space). */
  minDist?: number;
  /** Optimisation epochs (default: umap-js's choice, 500 for small inputs, 200 for large). */
  nEpochs?: number;
}

export interface Reduction {
  coords: number[][];
  /** The fitted model, for placing new points with `transform`; absent for tiny inputs. */
  model: UMAP | undefined;
}

/**
 * UMAP of unit vectors. Euclidean distance between unit vectors is a monotone function of cosine,
 * so neighbourhoods are exactly the cosine ones, without umap-js calling a slower JS cosine.
 * Every random choice comes from a generator seeded with `seed`: same input, same coordinates.
 */
export async function reduce(
  vectors: readonly Float32Array[],
  nComponents: number,
  seed: number,
  opts: UmapOptions = {},
  onEpoch?: (epoch: number, total: number) => void,
): Promise<Reduction> {
  const n = vectors.length;
  if (n < 4) {
    // UMAP needs a neighbourhood; a handful of papers are laid out evenly on a circle.
    return {
      coords: vectors.map((_, i) =>
        Array.from({ length: nComponents }, (_, d) => (d === 0 ? Math.cos((2 * Math.PI * i) / n) : d === 1 ? Math.sin((2 * Math.PI * i) / n) : 0)),
      ),
      model: undefined,
    };
  }
  const umap = new UMAP({
    nComponents,
    nNeighbors: Math.max(2, Math.min(opts.nNeighbors ?? 15, n - 1)),
    minDist: opts.minDist ?? 0.1,
    ...(opts.nEpochs ? { nEpochs: opts.nEpochs } : {}),
    random: seedrandom(`paper-atlas:${seed}:${nComponents}`),
  });
  const data = vectors.map((v) => Array.from(v));
  const total = umap.initializeFit(data);
  for (let epoch = 0; epoch < total; epoch++) {
    umap.step();
    if (onEpoch && (epoch % 10 === 0 || epoch === total - 1)) onEpoch(epoch + 1, total);
    // Yield now and then so progress callbacks can render and an event loop stays responsive.
    if (epoch % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  return { coords: umap.getEmbedding().map((row) => Array.from(row)), model: umap };
}
