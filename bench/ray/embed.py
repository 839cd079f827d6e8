"""Embeds papers on a Ray cluster and writes the Lance table paper-atlas builds an atlas from.

    python bench/ray/embed.py --input papers.jsonl --model-dir ~/.cache/paper-atlas/models/Xenova/all-MiniLM-L6-v2 \
        --out s3://bucket/arxiv-vectors [--long chunk|truncate] [--max-tokens 256] [--workers N] [--threads T]

Input: JSON Lines, a JSON array, or Parquet (a file or a directory of them), one record per paper
with `id` and `title`, optionally `abstract`, `authors` (list of strings), `year`, `url`, `doi`.
Give it text as paper-atlas keeps it (plain text, no TeX or HTML): paper-atlas embeds the stored
title and abstract, and the atlas keeps them as they are.

Each Ray worker holds one onnxruntime session over the same int8 ONNX file paper-atlas caches and
computes what paper-atlas's TransformersEmbedder computes: Hugging Face tokenizers (the model's
tokenizer.json), [CLS] + at most max-tokens - 2 ids + [SEP], the mean of the token vectors,
L2-normalised. In chunk mode a text longer than the window is cut on ICU sentence boundaries
(icu4py, the ICU that Node's Intl.Segmenter uses) into windows of at most max-tokens - 2 tokens,
the window vectors averaged weighted by their token counts. The table's schema metadata
`paper-atlas.embedder` carries paper-atlas's embedder id (model, weights hash, pooling, long-text
mode, window), so `readVectorTable` + `Atlas.build(..., { precomputed })` accept it only from the
same model and settings. bench/ray.ts checks the vectors against paper-atlas's own.

Ray: `--address` (or RAY_ADDRESS) joins a running cluster; without it a local one starts. The model
files travel through Ray's object store, so workers need no shared disk. Row order is preserved. The table is
written with lance-ray (each task writes fragments, one commit makes the version); `--format parquet`
writes Parquet part files instead (Ray's writer), which paper-atlas reads from local disk.
"""
import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import lance_ray
import ray

EMBEDDER_METADATA_KEY = b"paper-atlas.embedder"
ONNX_FILES = ("onnx/model_quantized.onnx", "onnx/model.onnx")
OPTIONAL = ("abstract", "authors", "year", "url", "doi")
# JavaScript's \s (what String.prototype.trim and paper-atlas's word split use), spelled out: Python's
# own whitespace class differs in a few code points (U+FEFF, U+001C-U+001F).
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
JS_SPLIT = re.compile(f"[{JS_SPACE}]+")
JS_TRIM = re.compile(f"^[{JS_SPACE}]+|[{JS_SPACE}]+$")


def text_of(title, abstract):
    """paper-atlas's Corpus.textOf: the title, a full stop unless it ends in one, the abstract."""
    if not abstract:
        return title
    return f"{title} {abstract}" if title[-1:] in ".?!" else f"{title}. {abstract}"


def split_into_windows(text, max_tokens, count_tokens, sentences):
    """paper-atlas's splitIntoWindows (src/embed/chunk.ts), step for step."""
    pieces = []
    for segment in sentences(text):
        sentence = JS_TRIM.sub("", segment)
        if not sentence:
            continue
        tokens = count_tokens(sentence)
        if tokens <= max_tokens:
            pieces.append((sentence, tokens))
        else:
            pieces.extend(split_words(sentence, max_tokens, count_tokens))
    windows = []
    current = None
    for piece in pieces:
        if current is not None and current[1] + piece[1] <= max_tokens:
            merged = f"{current[0]} {piece[0]}"
            tokens = count_tokens(merged)
            if tokens <= max_tokens:
                current = (merged, tokens)
                continue
        if current is not None:
            windows.append(current)
        current = piece
    if current is not None:
        windows.append(current)
    return windows


def split_words(sentence, max_tokens, count_tokens):
    out, words, tokens = [], [], 0
    for word in JS_SPLIT.split(sentence):
        n = count_tokens(word)
        if words and tokens + n > max_tokens:
            out.append((" ".join(words), tokens))
            words, tokens = [], 0
        words.append(word)
        tokens += n
    if words:
        out.append((" ".join(words), min(tokens, max_tokens)))
    return out


class Embedder:
    """One per Ray worker: a tokenizer and an onnxruntime session, texts run one at a time (no padding)."""

    def __init__(self, tokenizer_json, weights, long, max_tokens, threads):
        import onnxruntime as ort
        from icu4py.breakers import SentenceBreaker
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_str(tokenizer_json)
        self.tok.no_truncation()
        self.tok.no_padding()
        self.cls = self.tok.token_to_id("[CLS]")
        self.sep = self.tok.token_to_id("[SEP]")
        if self.cls is None or self.sep is None:
            raise ValueError("the tokenizer has no [CLS] or [SEP] token")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(weights, opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.long = long
        self.max_tokens = max_tokens
        self.sentences = lambda text: iter(SentenceBreaker(text, "en"))

    def ids(self, text):
        return self.tok.encode(text, add_special_tokens=False).ids

    def window(self, ids):
        ids = [self.cls, *ids[: self.max_tokens - 2], self.sep]
        n = len(ids)
        feeds = {
            "input_ids": np.array([ids], dtype=np.int64),
            "attention_mask": np.ones((1, n), dtype=np.int64),
            "token_type_ids": np.zeros((1, n), dtype=np.int64),
        }
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0][0]
        return hidden.astype(np.float32).mean(axis=0, dtype=np.float32)

    def one(self, text):
        budget = self.max_tokens - 2
        ids = self.ids(text)
        if self.long == "truncate" or len(ids) <= budget:
            v = self.window(ids)
        else:
            windows = split_into_windows(text, budget, lambda s: len(self.ids(s)), self.sentences)
            v = None
            for w_text, w_tokens in windows:
                part = self.window(self.ids(w_text)) * np.float32(w_tokens)
                v = part if v is None else v + part
        norm = np.linalg.norm(v)
        if not np.isfinite(norm) or norm == 0:
            raise ValueError("the model returned a zero or non-finite vector")
        return (v / norm).astype(np.float32)

    def __call__(self, batch: pa.Table) -> pa.Table:
        titles = batch.column("title").to_pylist()
        abstracts = batch.column("abstract").to_pylist() if "abstract" in batch.column_names else [None] * len(titles)
        vectors = np.stack([self.one(text_of(t, a)) for t, a in zip(titles, abstracts)])
        dims = vectors.shape[1]
        column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1), type=pa.float32()), dims)
        return batch.append_column("vector", column)


def load_input(path):
    """A Ray dataset of the input records, keeping paper-atlas's table columns only."""
    p = Path(path)
    if p.is_dir() or p.suffix == ".parquet":
        ds = ray.data.read_parquet(str(p))
    elif p.suffix == ".json" and (text := p.read_text(encoding="utf-8")).lstrip().startswith("["):
        records = json.loads(text)
        ds = ray.data.from_items([{k: r.get(k) for k in ("id", "title", *OPTIONAL) if r.get(k) is not None} for r in records])
    else:
        ds = ray.data.read_json(str(p), lines=True)
    names = set(ds.schema().names)
    for required in ("id", "title"):
        if required not in names:
            sys.exit(f"{path}: no '{required}' field")
    return ds.select_columns(["id", "title", *[c for c in OPTIONAL if c in names]])


def schema_for(columns, dims, embedder_id):
    types = {
        "id": pa.string(), "title": pa.string(), "abstract": pa.string(), "authors": pa.list_(pa.string()),
        "year": pa.int32(), "url": pa.string(), "doi": pa.string(),
    }
    fields = [pa.field(c, types[c], nullable=c not in ("id", "title")) for c in columns]
    fields.append(pa.field("vector", pa.list_(pa.float32(), dims), nullable=False))
    return pa.schema(fields, metadata={EMBEDDER_METADATA_KEY: embedder_id.encode()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--model-dir", required=True, help="paper-atlas's model directory (tokenizer.json, config.json, onnx/)")
    ap.add_argument("--model-id", help="model id in the embedder id [the directory's paper-atlas-model.json id]")
    ap.add_argument("--out", required=True, help="LanceDB URI (a directory, s3://, gs:// or az://); with --format parquet, the directory of part files")
    ap.add_argument("--format", choices=("lance", "parquet"), default="lance", help="a Lance table (default), or Parquet part files paper-atlas reads from local disk")
    ap.add_argument("--table", default="papers")
    ap.add_argument("--long", choices=("chunk", "truncate"), default="chunk")
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--workers", type=int, default=2, help="Ray workers, one onnxruntime session each")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads (and Ray CPUs) per worker")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--address", help="Ray cluster to join (default: RAY_ADDRESS, else a local cluster)")
    ap.add_argument("--storage-option", action="append", default=[], metavar="KEY=VALUE", help="object-store setting (repeatable)")
    args = ap.parse_args()
    if not 8 <= args.max_tokens <= 512:
        sys.exit("--max-tokens must be in [8, 512]")

    model_dir = Path(args.model_dir).expanduser()
    onnx = next((model_dir / f for f in ONNX_FILES if (model_dir / f).exists()), None)
    if onnx is None:
        sys.exit(f"{model_dir}: no {' or '.join(ONNX_FILES)}")
    weights = onnx.read_bytes()
    model_id = args.model_id
    if not model_id:
        manifest = model_dir / "paper-atlas-model.json"
        model_id = json.loads(manifest.read_text())["id"] if manifest.exists() else None
    if not model_id:
        sys.exit("--model-id is needed when the model directory has no paper-atlas-model.json")
    # paper-atlas's TransformersEmbedder id: model@<sha256 of the ONNX file, 12 hex>+mean+<long><max tokens>.
    embedder_id = f"{model_id}@{hashlib.sha256(weights).hexdigest()[:12]}+mean+{args.long}{args.max_tokens}"
    dims = json.loads((model_dir / "config.json").read_text())["hidden_size"]
    storage = dict(kv.split("=", 1) for kv in args.storage_option)

    ray.init(address=args.address, num_cpus=None if args.address else args.workers * args.threads, log_to_driver=False)
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    ds = load_input(args.input)
    columns = ds.schema().names
    embedded = ds.map_batches(
        Embedder,
        fn_constructor_args=((model_dir / "tokenizer.json").read_text(encoding="utf-8"), weights, args.long, args.max_tokens, args.threads),
        batch_size=args.batch_size,
        batch_format="pyarrow",
        concurrency=args.workers,
        num_cpus=args.threads,
    )
    schema = schema_for(columns, dims, embedder_id)
    embedded = embedded.map_batches(lambda b: b.select(schema.names).cast(schema), batch_format="pyarrow")
    if args.format == "parquet":
        # Ray's writer: one part file per task, named so that name order is row order; every file
        # carries the schema with its embedder id (pyarrow keeps schema metadata in the footer).
        embedded.write_parquet(args.out, schema=schema, mode="overwrite")
    else:
        uri = f"{args.out.rstrip('/')}/{args.table}.lance"
        # lance-ray's writer: each Ray task writes Lance fragments, one commit makes them a table version.
        lance_ray.write_lance(embedded, uri, schema=schema, mode="overwrite", storage_options=storage or None)
    print(json.dumps({"uri": args.out, "table": args.table, "embedder": embedder_id, "rows": ds.count()}))


if __name__ == "__main__":
    main()
