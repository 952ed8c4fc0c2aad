#!/usr/bin/python3
"""scikit-learn reference timings for the `npm run bench` cases, on the same machine and data.

Usage (Debian's Python, which has scikit-learn 1.2.1):
    /usr/bin/python3 bench/sklearn_reference.py [case ...]      # no case: all
    /usr/bin/python3 bench/sklearn_reference.py --list

Each case runs in its own child process (so peak RSS is per case) and prints one JSON line on
stdout in the shape of the TypeScript bench: case, backend ("sklearn"), seconds, peakRssMB, plus
the case's own keys. `seconds` times the fit (+ predict of the test set), not the data loading.

The autoencoder cases (`ae-epoch`, `encode-10k`; `report-stages` with scikit-learn) are PyTorch
twins (Debian's python3-torch, on all cores, TORCH_THREADS overrides); `--list` names them only
where torch imports.

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


def sk_kmeans(k, n_init):
    """scikit-learn's K-Means as every twin runs it: k-means++, Lloyd, seed 0."""
    from sklearn.cluster import KMeans
    return KMeans(n_clusters=k, n_init=n_init, init="k-means++", algorithm="lloyd", random_state=0)


def kmeans_raw(n_init):
    def run(data):
        t0 = time.perf_counter()
        km = sk_kmeans(10, n_init)
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


# The cache root the TypeScript side uses: $FMNIST_CACHE_DIR, else <project>/.cache.
CACHE_ROOT = os.environ.get("FMNIST_CACHE_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache")
CODES_DIR = os.path.join(CACHE_ROOT, "artifacts", "full")


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


def torch_autoencoder():
    """The report's convolutional autoencoder in PyTorch (NCHW), layer for layer as
    src/models/architecture.ts builds it with tf.layers (Keras 'same' padding: pad 1 for the 3x3
    convs, incl. the stride-2 one on 7x7 -> 4x4; the 'valid' conv on 16x16 -> 14x14), with Keras'
    initialisation (Glorot-uniform kernels, zero biases). 4,385 parameters."""
    import torch
    from torch import nn

    def conv(cin, cout, stride=1, padding=1):
        c = nn.Conv2d(cin, cout, 3, stride=stride, padding=padding)
        nn.init.xavier_uniform_(c.weight)
        nn.init.zeros_(c.bias)
        return c

    return nn.Sequential(
        conv(1, 16), nn.ReLU(), nn.MaxPool2d(2),
        conv(16, 8), nn.ReLU(), nn.MaxPool2d(2),
        conv(8, 8, stride=2), nn.ReLU(),             # 4x4x8: the 128-value code
        conv(8, 8), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(8, 8), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(8, 16, padding=0), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(16, 1), nn.Sigmoid(),
    )


def torch_threads():
    """PyTorch on both cores (the TypeScript side may use them too); TORCH_THREADS overrides."""
    import torch
    torch.manual_seed(0)
    n = int(os.environ.get("TORCH_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(n)
    return n


def torch_fit(model, x, xv, epochs, batch=128):
    """Keras-style fit of `model` on x (N,1,28,28) for `epochs` (Adam lr 1e-3, eps 1e-7 as Keras,
    binary cross-entropy, reshuffled each epoch, batch 128), with the validation loss on xv after
    each epoch as Keras' `validation_data` computes it. Returns (train seconds, validation seconds,
    last epoch's mean training loss, last validation loss)."""
    import torch
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.BCELoss()
    train_seconds = val_seconds = 0.0
    loss = val = float("nan")
    n = len(x)
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        total, seen = 0.0, 0
        for start in range(0, n, batch):
            xb = x[order[start:start + batch]]
            opt.zero_grad()
            batch_loss = loss_fn(model(xb), xb)
            batch_loss.backward()
            opt.step()
            total += float(batch_loss) * len(xb)
            seen += len(xb)
        loss = total / seen
        t1 = time.perf_counter()
        model.eval()
        with torch.no_grad():
            val = sum(float(loss_fn(model(xv[i:i + 1000]), xv[i:i + 1000])) * len(xv[i:i + 1000]) for i in range(0, len(xv), 1000)) / len(xv)
        t2 = time.perf_counter()
        train_seconds += t1 - t0
        val_seconds += t2 - t1
    return train_seconds, val_seconds, loss, val


def as_images(x):
    import torch
    return torch.from_numpy(x.reshape(-1, 1, 28, 28).copy())


def encode_batches(encoder, xv):
    """The codes of images xv (N,1,28,28) through `encoder`, flattened, in batches of 1000 (as ours)."""
    import torch
    encoder.eval()
    with torch.no_grad():
        return torch.cat([encoder(xv[i:i + 1000]).flatten(1) for i in range(0, len(xv), 1000)])


def ae_epoch(data):
    """Twin of `ae-epoch`: one epoch of the report's autoencoder (see `torch_fit`) on the first
    $BENCH_AE_IMAGES training images, then the validation loss on the 10k test images.
    `seconds` = training + validation, as ours."""
    import torch
    threads = torch_threads()
    n = int(os.environ.get("BENCH_AE_IMAGES", len(data["x_train"])))
    train_seconds, val_seconds, loss, val = torch_fit(torch_autoencoder(), as_images(data["x_train"][:n]), as_images(data["x_test"]), 1)
    seconds = train_seconds + val_seconds
    return {"backend": "pytorch-" + torch.__version__, "threads": threads, "images": n, "epochs": 1,
            "msPer1kImages": round(train_seconds / n * 1e6, 1), "trainSeconds": round(train_seconds, 3),
            "validationSeconds": round(val_seconds, 3), "loss": round(loss, 5),
            "valLoss": round(val, 5), "seconds": round(seconds, 3)}


def report_stages(data):
    """Twin of `report-stages` (src/bench/cases/report-stages.ts): the published report's pipeline
    in scikit-learn and PyTorch, stage by stage, once (seed 0): SSE elbow k = 1..10 on the 60k
    training pixels (one k-means++ start per k), K-Means (10, ten starts) on the 10k test pixels,
    the autoencoder for $BENCH_REPORT_EPOCHS (default 50) epochs on the 60k with the test images as
    validation data, the test codes, K-Means (10, ten starts) and a full GMM (10) on them.
    `seconds` = the sum of the stages (data loading excluded, as ours)."""
    import torch
    from sklearn.mixture import GaussianMixture
    threads = torch_threads()
    epochs = int(os.environ.get("BENCH_REPORT_EPOCHS", "50") or 50)
    stage_seconds = {}

    def timed(stage, work):
        print(f"report-stages (python): {stage} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        result = work()
        stage_seconds[stage] = round(time.perf_counter() - t0, 3)
        return result

    sse = timed("elbow", lambda: [float(sk_kmeans(k, 1).fit(data["x_train"]).inertia_) for k in range(1, 11)])
    raw_pred = timed("kmeansRaw", lambda: sk_kmeans(10, 10).fit_predict(data["x_test"]))
    model = torch_autoencoder()
    fit = timed("train", lambda: torch_fit(model, as_images(data["x_train"]), as_images(data["x_test"]), epochs))

    xv = as_images(data["x_test"])
    codes = timed("encode", lambda: encode_batches(model[:8], xv).numpy())
    codes_kmeans = timed("kmeansCodes", lambda: sk_kmeans(10, 10).fit_predict(codes))
    codes_gmm = timed("gmmCodes", lambda: GaussianMixture(n_components=10, covariance_type="full", random_state=0).fit(codes).predict(codes))
    return {"backend": "pytorch-" + torch.__version__, "threads": threads, "epochs": epochs,
            "seconds": round(sum(stage_seconds.values()), 3), "stageSeconds": stage_seconds,
            "secondsPerEpoch": round(stage_seconds["train"] / epochs, 3),
            "elbowSse": [round(v) for v in sse], "finalLoss": round(fit[2], 4), "finalValLoss": round(fit[3], 4),
            "kmeansRaw": cluster_scores(data["y_test"], raw_pred),
            "kmeansCodes": cluster_scores(data["y_test"], codes_kmeans),
            "gmmCodes": cluster_scores(data["y_test"], codes_gmm)}


def encode_10k(data):
    """Twin of `encode-10k`: the encoder half (up to the 128-value code) on the 10k test images in
    batches of 1000, median of 3 after a warm-up."""
    import torch
    threads = torch_threads()
    encoder = torch_autoencoder()[:8]
    xv = as_images(data["x_test"])
    times = []
    encode_batches(encoder, xv[:1000])  # warm-up
    for _ in range(3):
        t0 = time.perf_counter()
        codes = encode_batches(encoder, xv)
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"backend": "pytorch-" + torch.__version__, "threads": threads, "images": len(xv),
            "codeSize": int(codes.shape[1]), "seconds": round(times[1], 4), "runs": [round(t, 4) for t in times]}


# bench case name -> function(data) -> dict of the case's own keys (must include "seconds").
CASES = {
    "ae-epoch": ae_epoch,
    "encode-10k": encode_10k,
    "kmeans-raw-ninit1": kmeans_raw(1),
    "kmeans-raw-ninit10": kmeans_raw(10),
    "gmm-full-128": gmm_stand_in("full"),
    "gmm-diag-128": gmm_stand_in("diag"),
    "report-stages": report_stages,
}


TORCH_CASES = {"ae-epoch", "encode-10k", "report-stages"}


def child(name):
    data = load_data()
    own = CASES[name](data)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    import sklearn  # the torch cases name their backend in `own`
    print(json.dumps({"case": name, "backend": "sklearn-" + sklearn.__version__, **own,
                      "peakRssMB": round(peak_mb, 1)}), flush=True)


def main(argv):
    if argv[:1] == ["--child"]:
        return child(argv[1])
    if "--list" in argv:
        try:
            import torch  # noqa: F401
            names = list(CASES)
        except ImportError:
            names = [n for n in CASES if n not in TORCH_CASES]
        print("\n".join(names))
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
