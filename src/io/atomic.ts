import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Writes a file so that readers see either the old content or the new, never a torn mix: the data
 * goes to a temp file in the same directory, is fsynced, then renamed over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const { path: tmp } = await writeTempStream(dir, basename(path), (write) => write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/**
 * The file a temp file of `writeFileAtomic` was to become, and the process that was writing it;
 * undefined for any other name. The target keeps its own leading dot (`..name.json.<pid>.<hex>.tmp`).
 */
export function tempFileWriter(name: string): { target: string; pid: number } | undefined {
  const m = /^\.(.+)\.(\d{1,10})\.[0-9a-f]{8}\.tmp$/u.exec(name);
  return m ? { target: m[1]!, pid: Number(m[2]) } : undefined;
}

/** Makes a completed rename durable; not every platform can open a directory, so failures are ignored. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Directory fsync is best-effort (unsupported on Windows).
  }
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Why a file was refused by `readRegularFile`; `code` says which check failed. */
export class UnsafeFileError extends Error {
  constructor(
    readonly code: 'ENOTREGULAR' | 'ESIZE' | 'ETOOBIG',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a file that must be a regular file (not a symbolic link, FIFO, device or directory),
 * checking its size before reading a byte: opened without following links and without blocking (a
 * FIFO cannot hang the process), checked on the open descriptor (no swap between check and read),
 * then read to exactly that size. Messages never state the size of a file that was refused.
 */
export async function readRegularFile(path: string, limits: { maxBytes: number; expectBytes?: number }): Promise<Buffer> {
  const fh = await openNoFollow(path);
  try {
    const info = await fh.stat();
    checkRegular(info, limits);
    const buf = Buffer.alloc(info.size);
    let read = 0;
    while (read < info.size) {
      const { bytesRead } = await fh.read(buf, read, info.size - read, read);
      if (bytesRead === 0) throw new UnsafeFileError('ESIZE', `ended after ${read} of ${info.size} bytes (changed while being read)`);
      read += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** A file written by `writeTempStream`: where it is, and how many bytes it holds. */
export interface StreamedFile {
  path: string;
  bytes: number;
}

/**
 * Streams data into a new temp file in `dir`, named as `writeFileAtomic` names its temp files for
 * `name` (so a writer that dies leaves a file the orphan clean-up recognises): `produce` writes the
 * content piece by piece, each piece hashed and written before the next, so memory holds one piece.
 * The file is fsynced and its size checked; the caller renames it into place.
 */
export async function writeTempStream(
  dir: string,
  name: string,
  produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<StreamedFile> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(path, 'w');
  let bytes = 0;
  try {
    // Some failures (a file-size limit, a full disk behind a cache) only show as a short file.
    await produce(async (chunk) => {
      for (let done = 0; done < chunk.length; ) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
      bytes += chunk.length;
    });
    await fh.sync();
    const { size } = await fh.stat();
    if (size !== bytes) throw Object.assign(new Error(`wrote ${size} of ${bytes} bytes`), { code: 'ESHORTWRITE' });
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
  await fh.close();
  return { path, bytes };
}

/** Bytes read per piece by `readRegularFileChunks`. */
const READ_CHUNK_BYTES = 8 << 20;

/**
 * `readRegularFile`'s checks (a regular file, opened without following links, of the expected
 * size), then the content handed to `onChunk` piece by piece (a view of one reused buffer: copy
 * what you keep) instead of held whole; returns the content's sha256.
 */
export async function readRegularFileChunks(
  path: string,
  limits: { maxBytes: number; expectBytes?: number },
  onChunk: (chunk: Uint8Array, offset: number) => void,
): Promise<string> {
  const fh = await openNoFollow(path);
  try {
    const info = await fh.stat();
    checkRegular(info, limits);
    const buf = Buffer.alloc(Math.min(READ_CHUNK_BYTES, Math.max(1, info.size)));
    const hash = createHash('sha256');
    for (let read = 0; read < info.size; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, info.size - read), read);
      if (bytesRead === 0) throw new UnsafeFileError('ESIZE', `ended after ${read} of ${info.size} bytes (changed while being read)`);
      const piece = buf.subarray(0, bytesRead);
      hash.update(piece);
      onChunk(piece, read);
      read += bytesRead;
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

/** Opens for reading without following a link and without blocking (a FIFO cannot hang the process). */
function openNoFollow(path: string): Promise<import('node:fs/promises').FileHandle> {
  return open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP' || err.code === 'EMLINK') throw new UnsafeFileError('ENOTREGULAR', 'is a symbolic link; a saved atlas holds regular files only');
    throw err;
  });
}

function checkRegular(info: import('node:fs').Stats, limits: { maxBytes: number; expectBytes?: number }): void {
  if (!info.isFile())
    throw new UnsafeFileError('ENOTREGULAR', 'is not a regular file (a directory, FIFO, socket or device); a saved atlas holds regular files only');
  if (limits.expectBytes !== undefined && info.size !== limits.expectBytes) {
    throw new UnsafeFileError('ESIZE', `is ${info.size} bytes, the manifest says ${limits.expectBytes} (truncated or replaced)`);
  }
  if (info.size > limits.maxBytes) throw new UnsafeFileError('ETOOBIG', `is larger than the ${limits.maxBytes} bytes allowed`);
}
