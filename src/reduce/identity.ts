import type { StageContext } from '../types.js';
import type { Reducer, Reduction } from './reducer.js';

/** No reduction: themes are clustered on the unit embeddings themselves (best with a given k). */
export class IdentityReducer implements Reducer {
  readonly id = 'identity';
  readonly options = Object.freeze({});

  async fit(vectors: readonly Float32Array[], ctx: StageContext): Promise<Reduction> {
    ctx.onProgress?.(1, 1);
    return { coords: vectors.map((v) => Float64Array.from(v)), transform: async (more) => more.map((v) => Float64Array.from(v)) };
  }
}
