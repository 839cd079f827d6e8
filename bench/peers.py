"""Python peers for the side-by-side benchmarks (run inside .cache/venv-bench; see bench/lib.ts).

Each command reads float32 vectors written by the TypeScript side, does the same work with the
peer library, and prints one JSON line. Timings cover the work only, not Python start-up or imports.
"""
import json
import resource
import sys
import time

import numpy as np


def warm_up_umap():
    """umap-learn compiles its numba kernels on first use; do that outside the timed region."""
    import umap

    umap.UMAP(n_neighbors=5, n_components=2, random_state=0).fit_transform(np.random.RandomState(0).rand(60, 8))


def load(path, dims):
    return np.fromfile(path, dtype=np.float32).reshape(-1, int(dims))


def peak_rss_mib():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def cmd_hnswlib(path, dims, m, ef_construction, ef_search, k, n_queries):
    import hnswlib

    x = load(path, dims)
    n, k, n_queries = len(x), int(k), int(n_queries)
    t = time.perf_counter()
    index = hnswlib.Index(space="ip", dim=int(dims))
    index.init_index(max_elements=n, M=int(m), ef_construction=int(ef_construction), random_seed=42)
    index.set_num_threads(1)
    index.add_items(x, np.arange(n))
    build = time.perf_counter() - t
    index.set_ef(max(int(ef_search), 2 * k))
    rows = np.linspace(0, n - 1, n_queries).astype(int)
    times, hits = [], 0
    for r in rows:
        t = time.perf_counter()
        labels, _ = index.knn_query(x[r : r + 1], k=k + 1)
        times.append((time.perf_counter() - t) * 1000)
        got = [l for l in labels[0] if l != r][:k]
        sims = x @ x[r]
        sims[r] = -np.inf
        truth = np.argpartition(-sims, k)[:k]
        hits += len(set(got) & set(truth.tolist()))
    print(json.dumps({
        "build_s": build,
        "p50_ms": float(np.percentile(times, 50)),
        "p99_ms": float(np.percentile(times, 99)),
        "recall": hits / (k * len(rows)),
        "peak_rss_mib": peak_rss_mib(),
    }))


def cmd_kmeans(path, dims, k, seed):
    from sklearn.cluster import KMeans

    x = load(path, dims).astype(np.float64)
    t = time.perf_counter()
    km = KMeans(n_clusters=int(k), init="k-means++", n_init=10, max_iter=300, tol=1e-6, random_state=int(seed)).fit(x)
    print(json.dumps({"time_s": time.perf_counter() - t, "inertia": float(km.inertia_), "peak_rss_mib": peak_rss_mib()}))


def cmd_umap(path, dims, seed, other_layout, out_path):
    import umap
    from sklearn.manifold import trustworthiness

    x = load(path, dims)
    warm_up_umap()
    t = time.perf_counter()
    y = umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, metric="euclidean", random_state=int(seed)).fit_transform(x)
    elapsed = time.perf_counter() - t
    theirs = np.fromfile(other_layout, dtype=np.float32).reshape(-1, 2)
    y.astype(np.float32).tofile(out_path)
    print(json.dumps({
        "time_s": elapsed,
        "trust_peer": float(trustworthiness(x, y, n_neighbors=10)),
        "trust_paper_atlas": float(trustworthiness(x, theirs, n_neighbors=10)),
        "peak_rss_mib": peak_rss_mib(),
    }))


def cmd_trust(path, dims, layouts_path, labels_path):
    """Trustworthiness (k = 10) of each given 2-d layout against the vectors, and the silhouette of
    the given theme labels in each layout."""
    from sklearn.manifold import trustworthiness
    from sklearn.metrics import silhouette_score

    x = load(path, dims)
    layouts = np.fromfile(layouts_path, dtype=np.float32).reshape(-1, len(x), 2)
    labels = np.fromfile(labels_path, dtype=np.int32)
    out = []
    for y in layouts:
        sil = float(silhouette_score(y, labels)) if len(set(labels.tolist())) > 1 else 0.0
        out.append({"trust": float(trustworthiness(x, y, n_neighbors=10)), "silhouette": sil})
    print(json.dumps(out))


def cmd_bertopic(path, dims, docs_path, seed):
    x = load(path, dims)
    docs = json.loads(open(docs_path).read())
    warm_up_umap()
    t = time.perf_counter()
    try:
        from bertopic import BERTopic
        from sklearn.feature_extraction.text import CountVectorizer
        from umap import UMAP

        # BERTopic's defaults, with the seed fixed so the comparison is reproducible, and English stop
        # words out of its topic words (its documentation's first tip; it changes names, not topics).
        umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=int(seed))
        model = BERTopic(umap_model=umap_model, embedding_model=None, vectorizer_model=CountVectorizer(stop_words="english"))
        topics, _ = model.fit_transform(docs, embeddings=x)
        info = model.get_topic_info()
        labels = {int(r.Topic): r.Name for r in info.itertuples()}
        words = {int(t): [w for w, _ in (model.get_topic(t) or [])][:10] for t in set(topics) if t != -1}
        pipeline = "bertopic"
    except ImportError as err:
        # BERTopic's default pipeline reproduced: UMAP(5, cosine) + HDBSCAN(min_cluster_size=10) + c-TF-IDF names omitted.
        import hdbscan
        import umap

        reduced = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=int(seed)).fit_transform(x)
        topics = hdbscan.HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom").fit_predict(reduced).tolist()
        labels = {}
        words = {}
        pipeline = f"reproduced (bertopic import failed: {err})"
    elapsed = time.perf_counter() - t
    topics = [int(t) for t in topics]
    print(json.dumps({
        "time_s": elapsed,
        "topics": topics,
        "n_topics": len(set(topics) - {-1}),
        "outlier_share": sum(1 for t in topics if t == -1) / len(topics),
        "labels": labels,
        "words": words,
        "pipeline": pipeline,
        "peak_rss_mib": peak_rss_mib(),
    }))


def cmd_pipeline(path, dims, seed, k_lo, k_hi, search_restarts, restarts, sample):
    """The post-embedding pipeline a Python user would assemble, with paper-atlas's k search:
    hnswlib index, umap-learn 2-d map and 5-d clustering space (seeded, timed after numba's warm-up),
    scikit-learn KMeans over k in [k_lo, k_hi] on an evenly spread sample, silhouette, final fit."""
    import hnswlib
    import umap
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    x = load(path, dims)
    warm_up_umap()
    times = {}
    t = time.perf_counter()
    index = hnswlib.Index(space="ip", dim=int(dims))
    index.init_index(max_elements=len(x), M=32, ef_construction=200, random_seed=42)
    index.add_items(x, np.arange(len(x)))
    times["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, random_state=int(seed)).fit_transform(x)
    times["layout_s"] = time.perf_counter() - t
    t = time.perf_counter()
    space = umap.UMAP(n_components=5, n_neighbors=15, min_dist=0.0, random_state=int(seed)).fit_transform(x).astype(np.float64)
    times["reduce_s"] = time.perf_counter() - t
    t = time.perf_counter()
    sample = space[np.floor(np.arange(min(int(sample), len(space))) * len(space) / min(int(sample), len(space))).astype(int)]
    best, best_k = -2, int(k_lo)
    for k in range(int(k_lo), int(k_hi) + 1):
        km = KMeans(n_clusters=k, init="k-means++", n_init=int(search_restarts), max_iter=300, tol=1e-6, random_state=int(seed)).fit(sample)
        score = silhouette_score(sample, km.labels_, sample_size=min(2000, len(sample)), random_state=int(seed))
        if score > best + 1e-9:
            best, best_k = score, k
    KMeans(n_clusters=best_k, init="k-means++", n_init=int(restarts), max_iter=300, tol=1e-6, random_state=int(seed)).fit(space)
    times["cluster_s"] = time.perf_counter() - t
    times["total_s"] = sum(times.values())
    print(json.dumps({**times, "k": best_k, "peak_rss_mib": peak_rss_mib()}))


def cmd_peak(size):
    """The machine's measured float32 matrix-multiply rate (numpy's BLAS, all threads), GFLOP/s."""
    n = int(size)
    a = np.random.RandomState(0).rand(n, n).astype(np.float32)
    b = np.random.RandomState(1).rand(n, n).astype(np.float32)
    a @ b
    t = time.perf_counter()
    reps = 5
    for _ in range(reps):
        a @ b
    elapsed = time.perf_counter() - t
    print(json.dumps({"gflops": 2 * n**3 * reps / elapsed / 1e9}))


def cmd_parquet(path, dims, out, row_group_size, embedder):
    """Writes the vectors as paper-atlas reads them from Parquet, the way pyarrow (under pandas, Ray,
    most Python jobs) writes: id, title, abstract, a fixed-size float32 vector column, the embedder
    id in the file metadata, row groups of the given size."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    v = load(path, dims)
    n = len(v)
    t = pa.table({
        "id": pa.array([f"p{i}" for i in range(n)]),
        "title": pa.array([f"Paper {i}" for i in range(n)]),
        "abstract": pa.array([f"Synthetic abstract number {i}." for i in range(n)]),
        "vector": pa.FixedSizeListArray.from_arrays(pa.array(v.reshape(-1)), int(dims)),
    }).replace_schema_metadata({b"paper-atlas.embedder": embedder.encode()})
    start = time.perf_counter()
    pq.write_table(t, out, row_group_size=int(row_group_size))
    print(json.dumps({"write_s": time.perf_counter() - start}))


if __name__ == "__main__":
    globals()[f"cmd_{sys.argv[1]}"](*sys.argv[2:])
