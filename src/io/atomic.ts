import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Writes a file so that readers see either the old content or the new, never a torn mix: the data
 * goes to a temp file in the same directory, is fsynced, then renamed over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`); // the shape tempFileWriter parses
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
    // Some failures (a file-size limit, a full disk behind a cache) only show as a short file.
    const expected = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    const { size } = await fh.stat();
    if (size !== expected) throw Object.assign(new Error(`wrote ${size} of ${expected} bytes`), { code: 'ESHORTWRITE' });
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
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

export async function sha256File(path: string): Promise<string> {
  return sha256(await readFile(path));
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
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP' || err.code === 'EMLINK') throw new UnsafeFileError('ENOTREGULAR', 'is a symbolic link; a saved atlas holds regular files only');
    throw err;
  });
  try {
    const info = await fh.stat();
    if (!info.isFile()) throw new UnsafeFileError('ENOTREGULAR', 'is not a regular file (a directory, FIFO, socket or device); a saved atlas holds regular files only');
    if (limits.expectBytes !== undefined && info.size !== limits.expectBytes) {
      throw new UnsafeFileError('ESIZE', `is ${info.size} bytes, the manifest says ${limits.expectBytes} (truncated or replaced)`);
    }
    if (info.size > limits.maxBytes) throw new UnsafeFileError('ETOOBIG', `is larger than the ${limits.maxBytes} bytes allowed`);
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
