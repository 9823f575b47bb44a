#!/usr/bin/env python3
"""The FAISS side of `rag bench ann`: exact ground truth, then IndexHNSWFlat at the same M and
ef_construct on one thread, recall@10 against queries per second for each ef, one query at a time
and batched. Reads the float32 files the C# side wrote; prints one JSON document."""
import json, sys, time, resource
import numpy as np
import faiss

def main():
    base_path, query_path, dim, m, ef_construct, truth_out = sys.argv[1:7]
    efs = [int(x) for x in sys.argv[7].split(",")]
    single_limit = int(sys.argv[8])
    dim, m, ef_construct = int(dim), int(m), int(ef_construct)
    base = np.fromfile(base_path, dtype=np.float32).reshape(-1, dim)
    queries = np.fromfile(query_path, dtype=np.float32).reshape(-1, dim)

    # Ground truth by exact inner product (vectors are unit length: angular distance), all threads.
    flat = faiss.IndexFlatIP(dim)
    flat.add(base)
    _, truth = flat.search(queries, 10)
    truth.astype(np.int32).tofile(truth_out)

    faiss.omp_set_num_threads(1)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construct
    started = time.perf_counter()
    index.add(base)
    build = time.perf_counter() - started
    memory = len(faiss.serialize_index(index))

    results = []
    for ef in efs:
        index.hnsw.efSearch = ef
        started = time.perf_counter()
        _, found = index.search(queries, 10)
        batched = time.perf_counter() - started
        n = min(single_limit, len(queries))
        started = time.perf_counter()
        for i in range(n):
            index.search(queries[i:i + 1], 10)
        single = time.perf_counter() - started
        recall = np.mean([len(set(found[i]) & set(truth[i])) / 10 for i in range(len(queries))])
        results.append({"ef": ef, "recall_at_10": float(recall), "qps_batched": len(queries) / batched, "qps_single": n / single})
    print(json.dumps({"engine": f"FAISS {faiss.__version__} IndexHNSWFlat", "build_seconds": build,
                      "index_bytes": memory, "results": results}))

if __name__ == "__main__":
    main()
