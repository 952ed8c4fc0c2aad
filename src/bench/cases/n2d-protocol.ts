import { cpus, loadavg } from 'node:os';
import type { BenchCase } from '../types.js';
import { round } from '../stats.js';

/**
 * The piece budget of `n2d-protocol` from its flags: `--minutes M` (a number > 0) and `--epochs N`
 * (a whole number >= 1); neither: train to the end.
 * @throws RangeError naming the flag, the allowed values and the value given.
 * @example pieceBudget({ minutes: '60' }) // { minutes: 60 }
 */
export function pieceBudget(flags: Readonly<Record<string, string>>): { minutes?: number; epochs?: number } {
  const out: { minutes?: number; epochs?: number } = {};
  if (flags.minutes !== undefined) {
    const m = Number(flags.minutes);
    if (!(m > 0) || Number.isNaN(m)) throw new RangeError(`--minutes takes a number of minutes > 0, got '${flags.minutes}'.`);
    out.minutes = m;
  }
  if (flags.epochs !== undefined) {
    const e = Number(flags.epochs);
    if (!Number.isInteger(e) || e < 1) throw new RangeError(`--epochs takes a whole number >= 1, got '${flags.epochs}'.`);
    out.epochs = e;
  }
  return out;
}

const loads = () => loadavg().map((x) => round(x, 2));

/**
 * `n2d-protocol` (runs only when named): N2D's published protocol (`n2dPaperProtocol`, at the scale
 * `REPORT_SCALE` chooses: all 70,000 images and 1,000 epochs at `full`), one piece per call. It
 * trains the dense autoencoder through the model cache — resuming from the last checkpoint, the
 * same cache entry notebook 07 uses — until the end, or until the budget (`--minutes M`: the last
 * epoch boundary within M minutes; `--epochs N`) stops it at an epoch's end with a checkpoint
 * there. The line gives the epochs done before and after the piece, its seconds and seconds per
 * epoch, the final loss, the machine and its load at the start and end. When all epochs are done
 * (cached at the start, or finished by a piece without a budget), it also encodes all the images,
 * runs UMAP + GMM over the protocol's seeds and gives NMI mean ± sd, median and per seed against
 * the paper's 0.684 (`clustering`). `--variant NAME` does the same for a training variant
 * (`N2D_TRAINING_VARIANTS`: shift augmentation, twice the epochs) once the paper's protocol is complete.
 */
export const n2dProtocolCase: BenchCase = {
  name: 'n2d-protocol',
  description: "One piece of N2D's paper protocol (dense autoencoder, all images, 1,000 epochs, resumable through the model cache); once all epochs are done, UMAP + GMM over 5 seeds against NMI 0.684",
  onlyWhenNamed: true,
  flags: {
    minutes: 'stop training at the last epoch boundary within M minutes, leaving a checkpoint (default: train to the end)',
    epochs: 'train at most N epochs in this piece',
    variant: "a training variant of N2D_TRAINING_VARIANTS ('shifts-2px', 'epochs-x2'; default 'paper'): trained only once the paper's protocol is complete",
  },
  async run(ctx) {
    const loadStart = loads();
    const budget = pieceBudget(ctx.flags);
    const { loadExperimentData } = await import('../../experiment/pipeline.js');
    const { scaleSettings } = await import('../../experiment/scale.js');
    const protocolModule = await import('../../experiment/n2d-protocol.js');
    const { progressPrinter } = await import('../../models/progress.js');
    const { n2dPaperProtocol, isN2dProtocolComplete, n2dProtocolCodes, runN2dProtocolClustering, n2dProtocolScores } = protocolModule;
    const { trainN2dVariant, n2dProtocolVariant, N2D_TRAINING_VARIANTS } = await import('../../experiment/n2d-variants.js');
    const variant = N2D_TRAINING_VARIANTS.find((v) => v.name === (ctx.flags.variant ?? 'paper'));
    if (!variant) throw new RangeError(`--variant takes one of ${N2D_TRAINING_VARIANTS.map((v) => v.name).join(', ')}, got '${ctx.flags.variant}'.`);
    const settings = scaleSettings();
    const paper = n2dPaperProtocol(settings);
    const protocol = n2dProtocolVariant(paper, variant);
    const data = await loadExperimentData(settings, { verify: false });
    const piece = await trainN2dVariant(data, paper, variant, {
      budget, backend: ctx.backend, onProgress: progressPrinter({ stream: process.stderr, prefix: `n2d-protocol ${variant.name === 'paper' ? '' : `${variant.name} `}` }),
    });
    process.stderr.write(`${piece.summary}\n`);
    const { training } = protocol;
    const line: Record<string, unknown> = {
      scale: settings.scale,
      images: protocol.trainImages + protocol.testImages,
      variant: variant.name,
      training: {
        epochs: training.epochs, batchSize: training.batchSize, learningRate: training.learningRate, seed: training.seed, architecture: [784, ...training.hiddenSizes, training.codeSize].join('-'), loss: 'MSE', optimizer: 'Adam',
        ...(training.augmentation ? { augmentation: training.augmentation } : {}),
      },
      budget,
      stopped: piece.stopped,
      epochsBefore: piece.before.cache.epochsDone,
      epochsAfter: piece.after.cache.epochsDone,
      trainingSeconds: round(piece.seconds, 1),
      secondsPerEpoch: piece.secondsPerEpoch === undefined ? null : round(piece.secondsPerEpoch, 2),
      finalLoss: piece.finalLoss === undefined ? null : round(piece.finalLoss, 6),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      cache: piece.after.summary,
    };
    // A budgeted piece keeps to its budget: the clustering (≈ 1 h on 70,000 images) is the next call's.
    const cluster = isN2dProtocolComplete(piece) && (piece.stopped === 'cached' || (budget.minutes === undefined && budget.epochs === undefined));
    if (cluster) {
      process.stderr.write(`n2d-protocol: UMAP + GMM over seeds ${protocol.seeds.join(', ')} on ${line.images} codes ...\n`);
      const codes = n2dProtocolCodes(data, protocol, piece);
      const scores = n2dProtocolScores(runN2dProtocolClustering(data, protocol, codes), protocol);
      const r4 = (x: number) => round(x, 4);
      line.clustering = {
        umap: protocol.umap, gmm: protocol.gmm, seeds: protocol.seeds,
        nmi: { mean: r4(scores.nmi.mean), sd: r4(scores.nmi.sd), median: r4(scores.nmi.median) },
        ari: { mean: r4(scores.ari.mean), sd: r4(scores.ari.sd) },
        acc: { mean: r4(scores.acc.mean), sd: r4(scores.acc.sd) },
        perSeed: scores.perSeed.map((s) => ({ seed: s.seed, nmi: r4(s.nmi), ari: r4(s.ari), acc: r4(s.acc), seconds: round(s.seconds, 1) })),
        publishedNmi: scores.publishedNmi,
        medianMinusPublished: r4(scores.medianMinusPublished),
      };
    } else {
      line.next = piece.stopped === 'not-started' ? piece.summary
        : isN2dProtocolComplete(piece)
        ? 'all epochs are trained: run the command again (without a budget it clusters at once) for UMAP + GMM over the seeds'
        : `${piece.after.cache.remainingEpochs} epoch${piece.after.cache.remainingEpochs === 1 ? '' : 's'} to go: run the command again to continue from the checkpoint`;
    }
    piece.model?.dispose();
    line.loadAverage = { start: loadStart, end: loads() };
    return line;
  },
};
