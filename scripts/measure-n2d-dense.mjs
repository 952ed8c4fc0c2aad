#!/usr/bin/env node
// Measures N2D with the dense autoencoder (issue 11, item 3) at the full scale, through the
// experiment layer, so every result is recorded as the variant it is:
//   1. the dense d-500-500-2000-10 autoencoder trained on the 60,000 training images for
//      n2dDenseTraining('full').epochs epochs (from the model cache when trained before), validated
//      on the 10,000 test images;
//   2. UMAP(10-d, 20 neighbours, minDist 0, seed s) + GaussianMixture(10, full, seed s) on its
//      codes of the test images, s = 0..4 (the report's protocol), scored by NMI/ARI/ACC;
//   3. with --all SEEDS (e.g. --all 0,1): the same on all 70,000 codes (the literature's protocol;
//      the autoencoder is still the one trained on the 60,000 training images).
// Prints one JSON line per result. Run after `npm run build`:
//   node scripts/measure-n2d-dense.mjs [--skip-test] [--all 0,1]
// Cache and results go to FMNIST_CACHE_DIR (default .cache).
import fc from '../dist/index.js';

const args = process.argv.slice(2);
const allIdx = args.indexOf('--all');
const allSeeds = allIdx >= 0 ? args[allIdx + 1].split(',').map(Number) : [];
const skipTest = args.includes('--skip-test');
const stamp = () => new Date().toISOString();

const { backend } = await fc.initBackend();
const settings = fc.scaleSettings('full');
const data = await fc.loadExperimentData(settings);
const training = fc.n2dDenseTraining(settings);
console.log(`${stamp()} backend ${backend}; dense autoencoder ${JSON.stringify(training)}; cached: ${fc.isAutoencoderCached(data, training)}`);
const trained = await fc.trainedAutoencoder(data, training, fc.progressPrinter({ prefix: 'dense autoencoder ', intervalSeconds: 60 }));
const h = trained.model.history;
console.log(JSON.stringify({
  what: 'dense autoencoder', dir: trained.dir, fromCache: trained.fromCache, epochs: h.length,
  secondsPerEpoch: h.reduce((a, r) => a + r.seconds, 0) / h.length, trainingSeconds: trained.meta?.trainingSeconds,
  final: h.at(-1), first: h[0],
}));
const codes = await fc.autoencoderCodes(data, training);
console.log(`${stamp()} codes ${codes.fromCache ? 'from the artifact store' : 'computed'}: ${codes.architecture}, test ${codes.test.rows} x ${codes.test.cols}`);

const exp = new fc.Experiment('07-n2d', data);
const umap = { nComponents: 10, nNeighbors: 20, minDist: 0 };
const gmm = { nComponents: 10, covarianceType: 'full', regCovar: 1e-6, maxIter: 100, tol: 1e-3, nInit: 1, initParams: 'kmeans' };
const report = (run) => {
  const r = run.result;
  const median = r.runs.find((s) => s.seed === r.medianSeed);
  console.log(JSON.stringify({
    what: 'N2D dense', id: r.id, label: r.label, description: r.description, protocol: r.protocol,
    perSeed: r.runs.map((s) => ({ seed: s.seed, nmi: s.nmi, ari: s.ari, acc: s.acc, seconds: s.seconds })),
    nmi: r.spread.nmi, medianNmi: r.nmi, medianSeed: r.medianSeed, medianAri: median.ari, medianAcc: median.acc,
  }));
};
const step = (protocol, seeds) => exp.cluster({
  pipeline: 'n2d', intent: 'improved', protocol, codes, seeds,
  preprocessing: fc.umapEmbedding(umap, (seed) => console.log(`${stamp()} UMAP fit, protocol ${protocol}, seed ${seed}`)),
  make: (seed) => new fc.GaussianMixture({ ...gmm, seed }),
});
if (!skipTest) report(step('test', settings.seeds));
if (allSeeds.length > 0) report(step('all', allSeeds));
console.log(`${stamp()} done`);
