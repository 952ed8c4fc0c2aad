#!/usr/bin/env python3
"""umap-learn twin of the bench cases umap-10k / umap-70k (src/bench/cases/umap.ts).

Usage (the TypeScript case runs it with the project's .venv python):
  .venv/bin/python bench/umap_reference.py IN.f32 ROWS COLS OUT.f32 [N_COMPONENTS N_NEIGHBORS MIN_DIST SEED]

Reads ROWS x COLS float32 (row-major, the same codes our UMAP embeds), runs
umap.UMAP(n_components, n_neighbors, min_dist, random_state=SEED) twice: the first call includes
numba's JIT compilation, the second is the timed one (its embedding is written to OUT.f32).
With random_state set umap-learn is deterministic and runs on one thread. SEED < 0 runs it
unseeded (random_state=None, n_jobs=-1): its parallel, non-deterministic mode on NUMBA_NUM_THREADS
threads. Prints one JSON line.
"""
import json
import resource
import sys
import time

import numpy as np


def main():
    src, rows, cols, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    n_components = int(sys.argv[5]) if len(sys.argv) > 5 else 10
    n_neighbors = int(sys.argv[6]) if len(sys.argv) > 6 else 20
    min_dist = float(sys.argv[7]) if len(sys.argv) > 7 else 0.0
    seed = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    X = np.fromfile(src, dtype=np.float32).reshape(rows, cols)
    import warnings
    warnings.filterwarnings("ignore", message=".*n_jobs value.*")
    t0 = time.perf_counter()
    import numba
    import umap  # importing compiles part of numba's code too: reported as importSeconds
    import_seconds = time.perf_counter() - t0
    times = []
    for _ in range(2):
        t = time.perf_counter()
        E = umap.UMAP(n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist,
                      random_state=seed if seed >= 0 else None, n_jobs=1 if seed >= 0 else -1).fit_transform(X)
        times.append(time.perf_counter() - t)
    E.astype(np.float32).tofile(out)
    print(json.dumps({
        "impl": "umap-learn " + getattr(umap, "__version__", "?"),
        "seconds": round(times[1], 3),
        "firstCallSeconds": round(times[0], 3),
        "importSeconds": round(import_seconds, 3),
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": 1 if seed >= 0 else numba.get_num_threads(),
        "seeded": seed >= 0,
    }))


if __name__ == "__main__":
    main()
