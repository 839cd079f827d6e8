import { bareDoi } from '../corpus/corpus.js';
import type { Paper } from '../types.js';

/**
 * How citations count in `rank: 'hybrid'` and `'citations'`: a candidate's citation score is the
 * Adamic-Adar index over the citation graph taken as undirected (each work both papers cite, each
 * paper citing both, and each paper between them counts 1 / ln(its number of links), so a reference
 * every paper shares counts little), plus `direct` when one paper cites the other. The hybrid order
 * adds `weight` × that score to the text score. Measured in bench/citations.ts on CiteSeer (held-out
 * links, recall@10).
 */
export const CITATION_RANKING = Object.freeze({ direct: 1, weight: 0.5 });
// CiteSeer, seeds 0-4, recall@10 of the hybrid at weight 0.1 / 0.2 / 0.3 / 0.5 / 1: 0.46-0.50 / 0.49-0.51 /
// 0.50-0.52 / 0.51-0.53 / 0.50-0.52; 0.5 best in every seed (text alone 0.43-0.46).

/** A link between two papers of the corpus: `from` cites `to` (rows). */
export interface CitationLink {
  from: number;
  to: number;
}

/**
 * The papers' references as a graph: the corpus's papers are nodes 0..n-1; a reference naming a
 * paper of the corpus (by id, DOI or OpenAlex id) links the two; any other reference is a node of
 * its own that papers citing it share. Links are undirected for scoring.
 */
export class CitationGraph {
  /** In-corpus links, each once, in the direction of citation. */
  readonly links: readonly CitationLink[];

  /** Neighbours of node i (papers 0..n-1, then works outside the corpus): `neighbours[offsets[i] .. offsets[i+1])`, ascending. */
  private constructor(
    readonly papers: number,
    private readonly offsets: Int32Array,
    private readonly neighbours: Int32Array,
    links: CitationLink[],
  ) {
    this.links = links;
  }

  /** The graph of the papers' references; undefined when no paper lists any. `hidden` links are left out. */
  static of(papers: readonly Paper[], hidden?: ReadonlySet<string>): CitationGraph | undefined {
    if (!papers.some((p) => p.references?.length)) return undefined;
    const rowOf = new Map<string, number>();
    papers.forEach((p, row) => {
      for (const key of paperKeys(p)) if (!rowOf.has(key)) rowOf.set(key, row);
    });
    const external = new Map<string, number>();
    const edges = new EdgeList();
    const links: CitationLink[] = [];
    const seen = new Set<string>();
    papers.forEach((p, row) => {
      for (const ref of p.references ?? []) {
        const key = refKey(ref);
        let node = rowOf.get(key);
        if (node === row) continue;
        if (node !== undefined) {
          const pair = linkKey(row, node);
          if (hidden?.has(pair)) continue;
          if (!seen.has(pair)) {
            seen.add(pair);
            links.push({ from: row, to: node });
          }
        } else {
          node = external.get(key);
          if (node === undefined) {
            node = papers.length + external.size;
            external.set(key, node);
          }
        }
        edges.push(row, node);
      }
    });
    const { offsets, neighbours } = edges.undirected(papers.length + external.size);
    return new CitationGraph(papers.length, offsets, neighbours, links);
  }

  private adjacent(node: number): Int32Array {
    return this.neighbours.subarray(this.offsets[node]!, this.offsets[node + 1]!);
  }

  /** Papers of the corpus each paper cites (rows), from the links; built on first use. */
  cites(row: number): readonly number[] {
    if (!this.citesIndex) {
      const index = new Map<number, number[]>();
      for (const { from, to } of this.links) index.set(from, [...(index.get(from) ?? []), to]);
      this.citesIndex = index;
    }
    return this.citesIndex.get(row) ?? [];
  }

  private citesIndex: Map<number, number[]> | undefined;

  /** Papers linked to a paper directly (citing it or cited by it). */
  linked(row: number): number[] {
    return Array.from(this.adjacent(row)).filter((node) => node < this.papers);
  }

  /** Whether a paper has any link in the graph, inside the corpus or out. */
  hasLinks(row: number): boolean {
    return row < this.papers && this.offsets[row + 1]! > this.offsets[row]!;
  }

  /**
   * Citation scores of every paper reachable from the query papers: Adamic-Adar over the shared
   * neighbours plus `CITATION_RANKING.direct` per direct link, summed over the query papers.
   */
  scores(rows: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    const add = (row: number, s: number): void => {
      out.set(row, (out.get(row) ?? 0) + s);
    };
    for (const a of rows) {
      for (const z of this.adjacent(a)) {
        if (z < this.papers) add(z, CITATION_RANKING.direct);
        const around = this.adjacent(z);
        if (around.length < 2) continue;
        const w = 1 / Math.log(around.length);
        for (const b of around) if (b < this.papers && b !== a) add(b, w);
      }
    }
    for (const a of rows) out.delete(a);
    return out;
  }
}

/** How two papers are linked by citations: what `explain` adds when papers list references. */
export interface CitationLinks {
  /** The first paper cites the second. */
  aCitesB: boolean;
  /** The second paper cites the first. */
  bCitesA: boolean;
  /** Works both cite, as the first paper names them (ids, DOIs, OpenAlex ids). */
  bothCite: string[];
  /** Ids of the atlas's papers that cite both. */
  citeBoth: string[];
}

/** The citation links between papers `a` and `b` (rows), read from their references and the graph. */
export function citationLinks(graph: CitationGraph, papers: readonly Paper[], a: number, b: number): CitationLinks {
  const pa = papers[a]!;
  const pb = papers[b]!;
  const cited = (p: Paper): Set<string> => new Set((p.references ?? []).map(refKey));
  const [ka, kb] = [cited(pa), cited(pb)];
  const [namesA, namesB] = [paperKeys(pa), paperKeys(pb)];
  const around = new Set(graph.linked(b));
  return {
    aCitesB: namesB.some((k) => ka.has(k)),
    bCitesA: namesA.some((k) => kb.has(k)),
    bothCite: (pa.references ?? []).filter((r) => kb.has(refKey(r))),
    citeBoth: graph
      .linked(a)
      .filter((z) => z !== b && around.has(z))
      .filter((z) => {
        const kz = cited(papers[z]!);
        return namesA.some((k) => kz.has(k)) && namesB.some((k) => kz.has(k));
      })
      .map((z) => papers[z]!.id),
  };
}

/** Edges as pairs of typed arrays, grown by doubling: ~8 bytes an edge where sets of numbers take ~50. */
class EdgeList {
  private a: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private b: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private size = 0;

  push(x: number, y: number): void {
    if (this.size === this.a.length) {
      const grow = (arr: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const next = new Int32Array(arr.length * 2);
        next.set(arr);
        return next;
      };
      this.a = grow(this.a);
      this.b = grow(this.b);
    }
    this.a[this.size] = x;
    this.b[this.size] = y;
    this.size++;
  }

  /** Both directions of every edge as compressed rows over `nodes` nodes, each row sorted, repeats dropped. */
  undirected(nodes: number): { offsets: Int32Array; neighbours: Int32Array } {
    const degree = new Int32Array(nodes + 1);
    for (let i = 0; i < this.size; i++) {
      degree[this.a[i]!]!++;
      degree[this.b[i]!]!++;
    }
    const start = new Int32Array(nodes + 1);
    for (let v = 0; v < nodes; v++) start[v + 1] = start[v]! + degree[v]!;
    const fill = start.slice(0, nodes);
    const all = new Int32Array(start[nodes]!);
    for (let i = 0; i < this.size; i++) {
      const x = this.a[i]!;
      const y = this.b[i]!;
      all[fill[x]!++] = y;
      all[fill[y]!++] = x;
    }
    // Sort each row and drop repeats (a paper's id and DOI both cited), compacting as we go.
    const offsets = new Int32Array(nodes + 1);
    let out = 0;
    for (let v = 0; v < nodes; v++) {
      const row = all.subarray(start[v]!, start[v + 1]!).sort();
      offsets[v] = out;
      for (let j = 0; j < row.length; j++) if (j === 0 || row[j] !== row[j - 1]) all[out++] = row[j]!;
    }
    offsets[nodes] = out;
    return { offsets, neighbours: all.slice(0, out) };
  }
}

/** A link's key, the same whichever way it is read. */
export function linkKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** The keys a reference to a paper may use: its id, its DOI, its OpenAlex id. */
function paperKeys(p: Paper): string[] {
  const keys = [refKey(p.id)];
  if (p.doi) keys.push(refKey(p.doi));
  return keys;
}

/** A reference as papers are matched by: DOIs in lower case (they are case-insensitive), OpenAlex ids upper, else as given. */
function refKey(ref: string): string {
  const doi = bareDoi(ref);
  if (doi) return `doi:${doi.toLowerCase()}`;
  if (/^w\d+$/iu.test(ref)) return ref.toUpperCase();
  return ref;
}
