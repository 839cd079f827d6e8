"""Writes fixtures/parquet/: Parquet files as pyarrow (the writer under Ray, pandas and most Python
jobs) writes them, for the tests of paper-atlas's Parquet input (tests/parquet.test.ts).

    .cache/venv-ray/bin/python bench/verify/parquet_fixtures.py   # any venv with pyarrow and numpy

The 24 first papers of the bundled corpus with seeded random unit vectors (16 dimensions: the tests
check reading, not a model), and expected.json with what a reader must return.
"""
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "fixtures/parquet"
KEY = b"paper-atlas.embedder"
EMBEDDER = "fixture/unit-vectors@000000000000+mean+chunk256"
DIMS = 16

papers = json.loads((ROOT / "fixtures/corpus/regularized-optimization.json").read_text())[:24]
rng = np.random.default_rng(7)
vectors = rng.standard_normal((len(papers), DIMS)).astype(np.float32)
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)


def table(rows, vecs, vector_type, year_type=pa.int32(), embedder=EMBEDDER, with_id=True):
    cols = {
        "vector": pa.array([list(map(float, v)) for v in vecs], type=vector_type),
        "title": pa.array([p["title"] for p in rows]),
        "abstract": pa.array([p.get("abstract") for p in rows]),
        "authors": pa.array([p.get("authors") for p in rows], type=pa.list_(pa.string())),
        "year": pa.array([p.get("year") for p in rows], type=year_type),
    }
    if with_id:
        cols = {"id": pa.array([p["id"] for p in rows]), **cols}
    t = pa.table(cols)
    return t.replace_schema_metadata({KEY: embedder.encode()} if embedder else None)


OUT.mkdir(parents=True, exist_ok=True)
(OUT / "bad").mkdir(exist_ok=True)
(OUT / "parts").mkdir(exist_ok=True)
(OUT / "bad/mixed").mkdir(exist_ok=True)

# One file: fixed-size float32 lists (what the Ray recipe writes), snappy (pyarrow's default), 3 row groups.
pq.write_table(table(papers, vectors, pa.list_(pa.float32(), DIMS)), OUT / "papers.parquet", row_group_size=10)
# A directory of part files, as Spark or a Ray dataset writes: variable float64 lists, int64 years,
# zstd and gzip, a _SUCCESS marker and a hidden file that are not data.
pq.write_table(table(papers[:12], vectors[:12], pa.list_(pa.float64()), pa.int64()), OUT / "parts/part-00000.parquet", compression="zstd")
pq.write_table(table(papers[12:], vectors[12:], pa.list_(pa.float64()), pa.int64()), OUT / "parts/part-00001.parquet", compression="gzip")
(OUT / "parts/_SUCCESS").write_bytes(b"")
(OUT / "parts/.part-00000.parquet.crc").write_bytes(b"not parquet")

few, fv = papers[:4], vectors[:4]
pq.write_table(table(few, fv, pa.list_(pa.float32(), DIMS), embedder=None), OUT / "bad/no-embedder.parquet")
pq.write_table(table(few, fv, pa.list_(pa.float32(), DIMS), with_id=False), OUT / "bad/no-id.parquet")
stretched = fv.copy()
stretched[2] *= 2
pq.write_table(table(few, stretched, pa.list_(pa.float32(), DIMS)), OUT / "bad/not-unit.parquet")
ragged = [list(v) for v in fv]
ragged[1] = ragged[1][:-1]
pq.write_table(table(few, ragged, pa.list_(pa.float64())), OUT / "bad/ragged.parquet")
pq.write_table(table(few[:2], fv[:2], pa.list_(pa.float32(), DIMS)), OUT / "bad/mixed/part-0.parquet")
pq.write_table(table(few[2:], fv[2:], pa.list_(pa.float32(), DIMS), embedder="fixture/other@111111111111+mean+chunk256"), OUT / "bad/mixed/part-1.parquet")

(OUT / "expected.json").write_text(json.dumps({
    "embedder": EMBEDDER,
    "ids": [p["id"] for p in papers],
    "vectors": [[float(x) for x in v] for v in vectors],
}, indent=None) + "\n")
print(f"wrote {OUT}")

# A decode bomb: ten million rows of one repeated paper in one row group. Dictionary and run-length
# encoding plus zstd shrink it to a few kilobytes; decoded whole it would take gigabytes, so a reader
# must refuse it from its page headers before decoding (tests/unit/parquet.test.ts).
BOMB_ROWS = 10_000_000
one = pa.array(np.zeros(BOMB_ROWS, dtype=np.int32))
text = lambda s: pa.DictionaryArray.from_arrays(one, pa.array([s]))
bomb = pa.table({
    "id": text("bomb"),
    "title": text(papers[0]["title"]),
    "abstract": text(papers[0]["abstract"]),
    "vector": pa.FixedSizeListArray.from_arrays(pa.array(np.tile(vectors[0], BOMB_ROWS)), DIMS),
}).replace_schema_metadata({KEY: EMBEDDER.encode()})
pq.write_table(bomb, OUT / "bad/bomb.parquet", row_group_size=BOMB_ROWS, compression="zstd", compression_level=22,
               data_page_size=1 << 30, write_statistics=False)
print(f"bomb: {(OUT / 'bad/bomb.parquet').stat().st_size} bytes for {BOMB_ROWS} rows")

# Two rows whose ids differ only by a trailing space: the first has no abstract (skipped when read),
# the second must not be handed the first one's vector, and the two ids, trimmed, are one id.
spaced = [dict(papers[0], id="p1", abstract=None), dict(papers[1], id="p1 ")]
pq.write_table(table(spaced, vectors[:2], pa.list_(pa.float32(), DIMS)), OUT / "bad/spaced-ids.parquet")
