{
  "targets": [
    {
      "target_name": "fmnist_native",
      "sources": ["src/addon.c", "src/lanczos.c", "src/nndescent.c", "src/umap_sgd.c", "src/interrupt.c"],
      "cflags": ["-O3", "-march=native", "-ffp-contract=off", "-std=c11", "-pthread"],
      "cflags!": ["-O2"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
