"""Reference embeddings for the TypeScript port check (tests/embed-reference.test.ts).

Runs the same ONNX file and tokenizer.json with Python onnxruntime + Hugging Face tokenizers,
mean-pools over the attention mask and L2-normalises, for the first 20 bundled papers that fit
the 256-token window, plus 3 longer ones in truncate mode. Run through ./reference.sh, which
creates its own virtualenv.
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

model_dir = Path(sys.argv[1])
corpus = json.loads(Path(sys.argv[2]).read_text())
out_path = Path(sys.argv[3])
MAX_TOKENS = 256

tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
tok.no_padding()
tok.enable_truncation(MAX_TOKENS)
sess = ort.InferenceSession(str(model_dir / "onnx" / "model_quantized.onnx"), providers=["CPUExecutionProvider"])


def text_of(p):
    title = p["title"]
    return f"{title} {p['abstract']}" if title[-1:] in ".?!" else f"{title}. {p['abstract']}"


def embed(text):
    enc = tok.encode(text)
    ids = np.array([enc.ids], dtype=np.int64)
    mask = np.array([enc.attention_mask], dtype=np.int64)
    types = np.array([enc.type_ids], dtype=np.int64)
    hidden = sess.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0][0]
    m = mask[0].astype(np.float32)[:, None]
    v = (hidden * m).sum(0) / m.sum()
    return v / np.linalg.norm(v), len(enc.ids)


short, long_ = [], []
for p in corpus:
    tok.no_truncation()
    full = len(tok.encode(text_of(p)).ids)
    tok.enable_truncation(MAX_TOKENS)
    (short if full <= MAX_TOKENS else long_).append(p)
rows = []
for mode, papers in (("fits", short[:20]), ("truncate", long_[:3])):
    for p in papers:
        v, n = embed(text_of(p))
        rows.append({"id": p["id"], "mode": mode, "tokens": n, "vector": [round(float(x), 7) for x in v]})
out_path.write_text(json.dumps({
    "model": "Xenova/all-MiniLM-L6-v2 (onnx/model_quantized.onnx)",
    "runtime": f"onnxruntime {ort.__version__} (Python), tokenizers",
    "pooling": "mean over attention mask, L2-normalised",
    "maxTokens": MAX_TOKENS,
    "rows": rows,
}, indent=1) + "\n")
print(f"wrote {len(rows)} reference embeddings to {out_path}")
