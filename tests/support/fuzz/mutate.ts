import seedrandom from 'seedrandom';

/**
 * Seeded mutations of a real file, the kinds that found the decoders' worst cases: bytes changed,
 * a slice repeated many times (declared sizes and nesting blown up), a cut, and a token a parser
 * treats specially inserted hundreds of times. `(seed, decoder, i)` gives the same bytes every run.
 */
export function mutate(base: Uint8Array, key: string, tokens: readonly string[], hotspot?: { from: number; to: number }): Uint8Array {
  type Bytes = Uint8Array<ArrayBufferLike>;
  const rng = seedrandom(key);
  const int = (n: number): number => Math.floor(rng() * n);
  const at = (): number => (hotspot && rng() < 0.7 ? hotspot.from + int(Math.max(1, hotspot.to - hotspot.from)) : int(base.length + 1));
  const insert = (bytes: Bytes, pos: number, piece: Bytes): Bytes => {
    const out = new Uint8Array(bytes.length + piece.length);
    out.set(bytes.subarray(0, pos));
    out.set(piece, pos);
    out.set(bytes.subarray(pos), pos + piece.length);
    return out;
  };
  const repeat = (piece: Bytes, times: number): Bytes => {
    const out = new Uint8Array(piece.length * times);
    for (let t = 0; t < times; t++) out.set(piece, t * piece.length);
    return out;
  };
  let bytes: Bytes = base.slice();
  const kinds = 1 + int(3);
  for (let k = 0; k < kinds; k++) {
    switch (int(5)) {
      case 0: // a few bytes set at random
        for (let n = 1 + int(8); n > 0; n--) if (bytes.length) bytes[Math.min(at(), bytes.length - 1)] = int(256);
        break;
      case 1: {
        // a slice of the file repeated up to 64 times (at most 256 kB more)
        const from = int(bytes.length);
        const piece = bytes.slice(from, from + 1 + int(4096));
        bytes = insert(bytes, at() % (bytes.length + 1), repeat(piece, 1 + int(Math.min(64, Math.floor((256 << 10) / Math.max(1, piece.length))))));
        break;
      }
      case 2: // cut short
        bytes = bytes.slice(0, int(bytes.length + 1));
        break;
      case 3: {
        // a special token, up to 2,000 times in a row
        const token = new TextEncoder().encode(tokens[int(tokens.length)]!);
        bytes = insert(bytes, at() % (bytes.length + 1), repeat(token, 1 + int(2000)));
        break;
      }
      default: // a span overwritten with noise
        for (let p = at(), end = p + 1 + int(64); p < Math.min(end, bytes.length); p++) bytes[p] = int(256);
    }
  }
  return bytes;
}
