/** Agreement between two labelings of the same items (e.g. themes vs a hand-labelled check set). */
export interface Agreement {
  /** Normalised mutual information, arithmetic-mean normalisation (scikit-learn's default); 0..1. */
  nmi: number;
  /** Adjusted Rand index; 1 identical, ~0 chance. */
  ari: number;
  items: number;
}

function contingency<A, B>(a: readonly A[], b: readonly B[]): { table: Map<string, number>; rows: Map<A, number>; cols: Map<B, number> } {
  const table = new Map<string, number>();
  const rows = new Map<A, number>();
  const cols = new Map<B, number>();
  a.forEach((x, i) => {
    const y = b[i]!;
    const key = `${String(x)}\u0000${String(y)}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(x, (rows.get(x) ?? 0) + 1);
    cols.set(y, (cols.get(y) ?? 0) + 1);
  });
  return { table, rows, cols };
}

const entropy = (counts: Iterable<number>, n: number): number => {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
};

const choose2 = (x: number): number => (x * (x - 1)) / 2;

export function agreement<A, B>(truth: readonly A[], predicted: readonly B[]): Agreement {
  const n = truth.length;
  if (n !== predicted.length) throw new Error('labelings differ in length');
  if (n === 0) return { nmi: 0, ari: 0, items: 0 };
  const { table, rows, cols } = contingency(truth, predicted);
  let mi = 0;
  const rowOf = new Map<string, number>();
  const colOf = new Map<string, number>();
  for (const [x, c] of rows) rowOf.set(String(x), c);
  for (const [y, c] of cols) colOf.set(String(y), c);
  for (const [key, nij] of table) {
    const [x, y] = key.split('\u0000') as [string, string];
    mi += (nij / n) * Math.log((n * nij) / (rowOf.get(x)! * colOf.get(y)!));
  }
  const hTruth = entropy(rows.values(), n);
  const hPred = entropy(cols.values(), n);
  const denom = (hTruth + hPred) / 2;
  const nmi = denom === 0 ? 1 : Math.max(0, mi / denom);
  let sumComb = 0;
  for (const nij of table.values()) sumComb += choose2(nij);
  let sumRows = 0;
  for (const c of rows.values()) sumRows += choose2(c);
  let sumCols = 0;
  for (const c of cols.values()) sumCols += choose2(c);
  const expected = (sumRows * sumCols) / choose2(n);
  const max = (sumRows + sumCols) / 2;
  const ari = max === expected ? 1 : (sumComb - expected) / (max - expected);
  return { nmi, ari, items: n };
}
