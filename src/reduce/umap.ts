import seedrandom from 'seedrandom';
import { UMAP } from 'umap-js';
import { integerOption, numberOption, OptionError, rejectUnknownKeys } from '../errors.js';
import type { JsonObject, StageContext } from '../types.js';
import type { Reducer, Reduction } from './reducer.js';

/** umap-js settings; defaults follow umap-learn (and BERTopic's use of it). */
export interface UmapOptions {
  /** Output dimensions. */
  dims: number;
  /** Neighbourhood size: larger keeps more global structure (capped at papers − 1). */
  nNeighbors: number;
  /** How tightly points pack: 0.1 for maps, 0 for a clustering space. */
  minDist: number;
  /** Optimisation epochs; `'auto'` lets umap-js choose (500 for small inputs, 200 for large). */
  nEpochs: number | 'auto';
}

/** The 2-D map: `{ dims: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 'auto' }`. */
export const DEFAULT_LAYOUT_OPTIONS: Readonly<UmapOptions> = Object.freeze({ dims: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 'auto' });

/**
 * The space themes are clustered in: `{ dims: 5, nNeighbors: 15, minDist: 0, nEpochs: 'auto' }`.
 * Measured in bench/themes.ts on the bundled corpus: at the same k, UMAP space and raw embeddings
 * agree with the hand-labelled check set about equally (NMI 0.82), but only in UMAP space does the
 * silhouette pick a sensible k (17-20); on raw 384-d vectors silhouettes are flat (~0.03) and pick k = 4.
 */
export const DEFAULT_REDUCER_OPTIONS: Readonly<UmapOptions> = Object.freeze({ dims: 5, nNeighbors: 15, minDist: 0, nEpochs: 'auto' });

function checkOptions(given: unknown, defaults: Readonly<UmapOptions>, option: string): UmapOptions {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new OptionError(option, 'must be UMAP options ({ dims, nNeighbors, minDist, nEpochs }) or a Reducer');
  }
  rejectUnknownKeys(option, given as object | undefined, Object.keys(defaults));
  const o = { ...defaults, ...(given as Partial<UmapOptions>) };
  return {
    dims: integerOption(`${option}.dims`, o.dims, 1, 100),
    nNeighbors: integerOption(`${option}.nNeighbors`, o.nNeighbors, 2, 200),
    minDist: numberOption(`${option}.minDist`, o.minDist, 0, 1),
    nEpochs: o.nEpochs === 'auto' ? 'auto' : integerOption(`${option}.nEpochs`, o.nEpochs, 1, 10_000),
  };
}

/**
 * UMAP (umap-js) of unit vectors. Euclidean distance between unit vectors is a monotone function
 * of cosine, so neighbourhoods are exactly the cosine ones, without umap-js calling a slower JS
 * cosine. Every random choice comes from a generator seeded with the seed: same input, same output.
 */
export class UmapReducer implements Reducer {
  readonly id = 'umap';
  readonly options: Readonly<UmapOptions & JsonObject>;

  /** `defaults`: the layout's or the clustering space's; `option` names the option in errors. */
  constructor(options: Partial<UmapOptions> = {}, defaults: Readonly<UmapOptions> = DEFAULT_LAYOUT_OPTIONS, option = 'layout') {
    this.options = Object.freeze(checkOptions(options, defaults, option)) as UmapOptions & JsonObject;
  }

  async fit(vectors: readonly Float32Array[], ctx: StageContext): Promise<Reduction> {
    const n = vectors.length;
    // A clustering space needs fewer dimensions than points to be anything but the points themselves.
    const dims = this.options.dims > 2 ? Math.min(this.options.dims, Math.max(2, n - 2)) : this.options.dims;
    if (n < 4) {
      // UMAP needs a neighbourhood; a handful of papers are laid out evenly on a circle.
      const coords = vectors.map((_, i) => Float64Array.from({ length: dims }, (_, d) => (d === 0 ? Math.cos((2 * Math.PI * i) / n) : d === 1 ? Math.sin((2 * Math.PI * i) / n) : 0)));
      return { coords };
    }
    const umap = new UMAP({
      nComponents: dims,
      nNeighbors: Math.max(2, Math.min(this.options.nNeighbors, n - 1)),
      minDist: this.options.minDist,
      ...(this.options.nEpochs !== 'auto' ? { nEpochs: this.options.nEpochs } : {}),
      random: seedrandom(`paper-atlas:${ctx.seed}:${dims}`),
    });
    const data = vectors.map((v) => Array.from(v));
    const total = umap.initializeFit(data);
    for (let epoch = 0; epoch < total; epoch++) {
      umap.step();
      if (ctx.onProgress && (epoch % 10 === 0 || epoch === total - 1)) ctx.onProgress(epoch + 1, total);
      // Yield now and then so progress callbacks can render, an event loop stays responsive, and an abort lands.
      if (epoch % 50 === 49) {
        await new Promise((r) => setImmediate(r));
        ctx.signal?.throwIfAborted();
      }
    }
    return {
      coords: umap.getEmbedding().map((row) => Float64Array.from(row)),
      transform: async (more) => umap.transform(more.map((v) => Array.from(v))).map((row) => Float64Array.from(row)),
    };
  }
}
