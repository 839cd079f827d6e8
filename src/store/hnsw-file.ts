/**
 * A structural check of an hnswlib index file (hnswlib 0.8, as hnswlib-node 3 writes it) against
 * what the atlas's manifest and verified vectors say it must hold. hnswlib trusts its input: a
 * lowered `max_elements`, a neighbour id past the end, or a node linked at a level above its own
 * corrupts memory. Every field, count, link and level is checked here before hnswlib sees the bytes,
 * and every stored vector must equal the atlas's own, so the graph indexes exactly the verified data.
 *
 * Layout: a 96-byte header, then `count` level-0 records (link count [u16] + delete mark [u8] + pad,
 * `maxM0` links [u32], the vector [f32 × dims], the label [u64]), then for each element a u32 byte
 * length and its upper-level link blocks (link count + `maxM` links [u32], one block per level).
 */
export interface HnswExpectation {
  count: number;
  dims: number;
  M: number;
  efConstruction: number;
  /** The atlas's vectors, row by row; when given, every stored vector must equal them. */
  vectors?: readonly Float32Array[];
  removed: readonly number[];
}

const HEADER = 96;
const MAX_LEVEL = 64;

export class HnswFileProblem extends Error {}

function fail(problem: string): never {
  throw new HnswFileProblem(problem);
}

/** The header's fields, each checked against the expectation and the others. */
interface Header {
  count: number;
  sizePerElement: number;
  labelOffset: number;
  offsetData: number;
  maxLevel: number;
  entryPoint: number;
  maxM: number;
  maxM0: number;
  /** Bytes of one upper-level link block. */
  linksUpper: number;
  /** Where the upper-level blocks begin. */
  level0End: number;
}

export function checkHnswFile(bytes: Uint8Array, e: HnswExpectation): void {
  if (bytes.length < HEADER) fail(`is ${bytes.length} bytes, shorter than the ${HEADER}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = readHeader(view, bytes.length, e);
  const { levels, upperAt } = readLevels(view, bytes.length, h);
  const removed = new Set(e.removed);
  for (let i = 0; i < h.count; i++) {
    checkLevel0(view, bytes, h, i, e, removed);
    checkUpperLinks(view, h, i, levels, upperAt[i]!);
  }
}

function readHeader(view: DataView, length: number, e: HnswExpectation): Header {
  const u64 = (at: number): number => {
    const v = view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const offsetLevel0 = u64(0);
  const maxElements = u64(8);
  const count = u64(16);
  const sizePerElement = u64(24);
  const labelOffset = u64(32);
  const offsetData = u64(40);
  const maxLevel = view.getInt32(48, true);
  const entryPoint = view.getUint32(52, true);
  const maxM = u64(56);
  const maxM0 = u64(64);
  const M = u64(72);
  const mult = view.getFloat64(80, true);
  const efConstruction = u64(88);

  if (offsetLevel0 !== 0) fail(`header offsetLevel0 is ${offsetLevel0}, expected 0`);
  if (count !== e.count) fail(`header holds ${count} elements, the manifest says ${e.count}`);
  if (maxElements < count || maxElements > Math.max(16, 2 * count))
    fail(`header max_elements ${maxElements} is outside [${count}, ${Math.max(16, 2 * count)}]`);
  if (M !== e.M || maxM !== e.M || maxM0 !== 2 * e.M) fail(`header M/maxM/maxM0 are ${M}/${maxM}/${maxM0}, expected ${e.M}/${e.M}/${2 * e.M}`);
  if (efConstruction !== e.efConstruction) fail(`header ef_construction is ${efConstruction}, expected ${e.efConstruction}`);
  const linksLevel0 = 4 + 4 * maxM0;
  const linksUpper = 4 + 4 * maxM;
  if (offsetData !== linksLevel0 || labelOffset !== linksLevel0 + 4 * e.dims || sizePerElement !== labelOffset + 8) {
    fail(`header element layout (${offsetData}/${labelOffset}/${sizePerElement}) does not fit ${e.dims} dimensions and M ${e.M}`);
  }
  if (!(Number.isFinite(mult) && mult > 0 && mult <= 10)) fail(`header level multiplier ${mult} is not a small positive number`);
  if (maxLevel < 0 || maxLevel > MAX_LEVEL) fail(`header max level ${maxLevel} is outside [0, ${MAX_LEVEL}]`);
  if (count > 0 && entryPoint >= count) fail(`header entry point ${entryPoint} is not an element`);
  const level0End = HEADER + count * sizePerElement;
  if (level0End > length) fail(`ends inside the level-0 records (${length} of at least ${level0End} bytes)`);
  return { count, sizePerElement, labelOffset, offsetData, maxLevel, entryPoint, maxM, maxM0, linksUpper, level0End };
}

/** Upper levels: each element's level and where its link blocks start; the file must end with the last. */
function readLevels(view: DataView, length: number, h: Header): { levels: Uint8Array; upperAt: Float64Array } {
  const levels = new Uint8Array(h.count);
  const upperAt = new Float64Array(h.count);
  let at = h.level0End;
  for (let i = 0; i < h.count; i++) {
    if (at + 4 > length) fail(`ends before element ${i}'s upper-level links`);
    const size = view.getUint32(at, true);
    at += 4;
    if (size % h.linksUpper !== 0) fail(`element ${i} has an upper-level block of ${size} bytes, not a multiple of ${h.linksUpper}`);
    const level = size / h.linksUpper;
    if (level > h.maxLevel) fail(`element ${i} has level ${level}, above the header's max level ${h.maxLevel}`);
    if (at + size > length) fail(`ends inside element ${i}'s upper-level links`);
    levels[i] = level;
    upperAt[i] = at;
    at += size;
  }
  if (at !== length) fail(`has ${length - at} bytes after the last element`);
  if (h.count > 0 && levels[h.entryPoint] !== h.maxLevel)
    fail(`entry point ${h.entryPoint} has level ${levels[h.entryPoint]}, the header's max level is ${h.maxLevel}`);
  return { levels, upperAt };
}

/** Element `i`'s level-0 record: link count and links, delete mark as the manifest says, label, vector. */
function checkLevel0(view: DataView, bytes: Uint8Array, h: Header, i: number, e: HnswExpectation, removed: ReadonlySet<number>): void {
  const base = HEADER + i * h.sizePerElement;
  const n0 = view.getUint16(base, true);
  const mark = bytes[base + 2]!;
  if (n0 > h.maxM0) fail(`element ${i} has ${n0} level-0 links, more than ${h.maxM0}`);
  if (mark > 1) fail(`element ${i} has an unknown delete mark ${mark}`);
  if ((mark === 1) !== removed.has(i))
    fail(`element ${i} is ${mark ? '' : 'not '}marked deleted, the manifest says it is ${removed.has(i) ? '' : 'not '}removed`);
  for (let j = 0; j < n0; j++) {
    const to = view.getUint32(base + 4 + 4 * j, true);
    if (to >= h.count) fail(`element ${i} links to ${to} at level 0, past the last element`);
  }
  const label = view.getBigUint64(base + h.labelOffset, true);
  if (label !== BigInt(i)) fail(`element ${i} has label ${label}, expected its row ${i}`);
  const vector = e.vectors?.[i];
  if (vector) {
    const dataBytes = 4 * e.dims;
    const stored = bytes.subarray(base + h.offsetData, base + h.offsetData + dataBytes);
    const own = new Uint8Array(vector.buffer, vector.byteOffset, dataBytes);
    for (let b = 0; b < dataBytes; b++) if (stored[b] !== own[b]) fail(`element ${i}'s vector differs from the atlas's vector for row ${i}`);
  }
}

/** Element `i`'s upper-level links: at most `maxM` a level, each to an element that reaches that level. */
function checkUpperLinks(view: DataView, h: Header, i: number, levels: Uint8Array, upperAt: number): void {
  for (let level = 1; level <= levels[i]!; level++) {
    const block = upperAt + (level - 1) * h.linksUpper;
    const n = view.getUint16(block, true);
    if (n > h.maxM) fail(`element ${i} has ${n} links at level ${level}, more than ${h.maxM}`);
    for (let j = 0; j < n; j++) {
      const to = view.getUint32(block + 4 + 4 * j, true);
      if (to >= h.count) fail(`element ${i} links to ${to} at level ${level}, past the last element`);
      if (levels[to]! < level) fail(`element ${i} links to ${to} at level ${level}, but ${to} only reaches level ${levels[to]}`);
    }
  }
}
