#!/usr/bin/python3
"""scikit-learn reference timings for the `npm run bench` cases, on the same machine and data.

Usage (Debian's Python, which has scikit-learn 1.2.1):
    /usr/bin/python3 bench/sklearn_reference.py [case ...]      # no case: all
    /usr/bin/python3 bench/sklearn_reference.py --list

Each case runs in its own child process (so peak RSS is per case) and prints one JSON line on
stdout in the shape of the TypeScript bench: case, backend ("sklearn"), seconds, peakRssMB, plus
the case's own keys. `seconds` times the fit (+ predict of the test set), not the data loading.

Add a case: write a function `(data) -> dict` and register it in CASES with its bench name.
"""
import gzip
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(path):
    """Reads a gzip IDX file (big-endian header: magic, dims) into a numpy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_data():
    """The official split as float32 pixels in 0..1 (like the TypeScript loader) and int labels."""
    def images(name):
        x = read_idx(os.path.join(DATA_DIR, name))
        return (x.reshape(x.shape[0], -1).astype(np.float32) / np.float32(255))

    def labels(name):
        return read_idx(os.path.join(DATA_DIR, name)).astype(np.int64)

    return {
        "x_train": images("train-images-idx3-ubyte.gz"),
        "y_train": labels("train-labels-idx1-ubyte.gz"),
        "x_test": images("t10k-images-idx3-ubyte.gz"),
        "y_test": labels("t10k-labels-idx1-ubyte.gz"),
    }


def cluster_scores(y_true, y_pred):
    """NMI (arithmetic), ARI and accuracy after the optimal cluster -> label matching (Hungarian)."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.metrics.cluster import contingency_matrix

    c = contingency_matrix(y_true, y_pred)
    rows, cols = linear_sum_assignment(-c)
    return {
        "nmi": round(float(normalized_mutual_info_score(y_true, y_pred)), 4),
        "ari": round(float(adjusted_rand_score(y_true, y_pred)), 4),
        "acc": round(float(c[rows, cols].sum() / len(y_true)), 4),
    }


def kmeans_raw(n_init):
    def run(data):
        from sklearn.cluster import KMeans
        t0 = time.perf_counter()
        km = KMeans(n_clusters=10, n_init=n_init, init="k-means++", algorithm="lloyd", random_state=0)
        km.fit(data["x_train"])
        pred = km.predict(data["x_test"])
        seconds = time.perf_counter() - t0
        return {"seconds": round(seconds, 3), "nInit": n_init, "nIter": int(km.n_iter_),
                "inertia": float(km.inertia_), **cluster_scores(data["y_test"], pred)}
    return run


def stand_in_projection(in_dim=784, out_dim=128, seed=12345):
    """The fixed random projection of src/bench/cases/gmm.ts (`standInProjection`): a 32-bit LCG
    (s <- 1664525*s + 1013904223 mod 2^32, u = s / 2^32) drawing Irwin-Hall normals (sum of 12
    uniforms - 6) / sqrt(784), row-major 784 x 128. Stand-in for the autoencoder's 128-d codes."""
    a, c, mask = 1664525, 1013904223, 0xFFFFFFFF
    s = seed & mask
    vals = np.empty(in_dim * out_dim, dtype=np.float64)
    for i in range(in_dim * out_dim):
        total = 0.0
        for _ in range(12):
            s = (a * s + c) & mask
            total += s / 4294967296.0
        vals[i] = total - 6.0
    return (vals / np.sqrt(in_dim)).astype(np.float32).reshape(in_dim, out_dim)


CODES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache", "artifacts", "full")


def gmm_codes(data):
    """The autoencoder's codes when `npm run report` has cached them at full scale (the same
    files the TypeScript bench reads), else the fixed random projection stand-in."""
    train_file = os.path.join(CODES_DIR, "codes-train.f32")
    test_file = os.path.join(CODES_DIR, "codes-test.f32")
    if os.path.exists(train_file) and os.path.exists(test_file):
        x_train = np.fromfile(train_file, dtype=np.float32).reshape(-1, 128)
        x_test = np.fromfile(test_file, dtype=np.float32).reshape(-1, 128)
        if len(x_train) == 60000 and len(x_test) == 10000:
            return x_train, x_test, "autoencoder codes"
    r = stand_in_projection()
    return data["x_train"] @ r, data["x_test"] @ r, "random projection of the pixels"  # float32, like TF.js


def gmm_stand_in(covariance_type):
    def run(data):
        from sklearn.mixture import GaussianMixture
        x_train, x_test, source = gmm_codes(data)
        t0 = time.perf_counter()
        gm = GaussianMixture(n_components=10, covariance_type=covariance_type, random_state=0)
        gm.fit(x_train)
        fit_seconds = time.perf_counter() - t0
        pred = gm.predict(x_test)
        seconds = time.perf_counter() - t0
        return {"seconds": round(seconds, 3), "fitSeconds": round(fit_seconds, 3), "nIter": int(gm.n_iter_),
                "converged": bool(gm.converged_), "lowerBound": round(float(gm.lower_bound_), 4),
                "secondsPerIter": round(fit_seconds / max(1, gm.n_iter_), 3), "dtype": str(x_train.dtype), "data": source,
                **cluster_scores(data["y_test"], pred)}
    return run


# bench case name -> function(data) -> dict of the case's own keys (must include "seconds").
CASES = {
    "kmeans-raw-ninit1": kmeans_raw(1),
    "kmeans-raw-ninit10": kmeans_raw(10),
    "gmm-full-128": gmm_stand_in("full"),
    "gmm-diag-128": gmm_stand_in("diag"),
}


def child(name):
    data = load_data()
    own = CASES[name](data)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    import sklearn
    print(json.dumps({"case": name, "backend": "sklearn-" + sklearn.__version__, **own,
                      "peakRssMB": round(peak_mb, 1)}), flush=True)


def main(argv):
    if argv[:1] == ["--child"]:
        return child(argv[1])
    if "--list" in argv:
        print("\n".join(CASES))
        return 0
    unknown = [a for a in argv if a not in CASES]
    if unknown:
        print(f"Unknown case(s): {', '.join(unknown)}. Known: {', '.join(CASES)}.", file=sys.stderr)
        return 2
    status = 0
    for name in argv or list(CASES):
        print(f"sklearn_reference: {name} ...", file=sys.stderr)
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name])
        status = status or r.returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
