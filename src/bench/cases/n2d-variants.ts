import type { BenchCase } from '../types.js';
import { round } from '../stats.js';
import { nmi } from '../../metrics/nmi.js';
import type { Labels } from '../../metrics/index.js';
import { medianRun, spreadOf } from '../../experiment/results.js';

/**
 * The flags of `n2d-variants`: `--codes protocol|report`, `--images all|test|both`, `--variants
 * a,b` (names of `N2D_CLUSTERING_VARIANTS`), `--seeds 0,1,2,3,4`.
 * @throws RangeError naming the flag, its allowed values and the value given.
 * @example variantFlags({ codes: 'report', images: 'test' }, ['paper', 'consensus-5']) // { codes: 'report', images: ['test'], variants: ['paper', 'consensus-5'] }
 */
export function variantFlags(flags: Readonly<Record<string, string>>, known: readonly string[]): { codes: 'protocol' | 'checkpoint' | 'report'; images: ('all' | 'test')[]; variants: string[]; seeds?: number[] } {
  const codes = flags.codes ?? 'protocol';
  if (codes !== 'protocol' && codes !== 'checkpoint' && codes !== 'report') {
    throw new RangeError(`--codes takes 'protocol' (N2D's paper protocol, all epochs trained), 'checkpoint' (its last checkpoint, partly trained) or 'report' (the report's autoencoder), got '${codes}'.`);
  }
  const images = flags.images ?? 'both';
  if (images !== 'all' && images !== 'test' && images !== 'both') throw new RangeError(`--images takes 'all', 'test' or 'both', got '${images}'.`);
  const variants = (flags.variants ?? known.join(',')).split(',').map((v) => v.trim());
  const unknown = variants.filter((v) => !known.includes(v));
  if (unknown.length || variants.length === 0) throw new RangeError(`--variants takes names among ${known.join(', ')} separated by commas, got '${flags.variants}'.`);
  let seeds: number[] | undefined;
  if (flags.seeds !== undefined) {
    seeds = flags.seeds.split(',').map((s) => Number(s.trim()));
    if (seeds.some((s) => !Number.isInteger(s) || s < 0) || new Set(seeds).size !== seeds.length) {
      throw new RangeError(`--seeds takes distinct whole numbers >= 0 separated by commas, got '${flags.seeds}'.`);
    }
  }
  return { codes, images: images === 'both' ? ['all', 'test'] : [images], variants, ...(seeds ? { seeds } : {}) };
}

/**
 * NMI of a clustering fitted on all the protocol's images (train rows, then test rows) over its test
 * rows only: how the test images fare when UMAP + GMM saw all 70,000, to set beside a fit on the test
 * images alone (a different protocol, which has 7× fewer codes for UMAP's neighbour graph).
 * @throws RangeError when there are fewer predictions than test labels.
 * @example testRowsNmi([5, 5, 0, 0, 1, 1], [3, 3, 7, 7]) // 1
 */
export function testRowsNmi(labelsPredAll: Labels, labelsTest: Labels): number {
  const start = labelsPredAll.length - labelsTest.length;
  if (start < 0) throw new RangeError(`testRowsNmi needs the predictions of all images (train then test): got ${labelsPredAll.length} for ${labelsTest.length} test labels.`);
  return nmi(labelsTest, Array.prototype.slice.call(labelsPredAll, start) as number[]);
}

/** {@link testRowsNmi} per seed, with mean ± sd and the median run's, as the line's other scores (`n2dProtocolScores`). */
function testRowsScores(labelsPredPerSeed: readonly Labels[], labelsTest: Labels): { images: number; nmi: { mean: number; sd: number; median: number; perSeed: number[] } } {
  const perSeed = labelsPredPerSeed.map((pred) => testRowsNmi(pred, labelsTest));
  const { mean, sd } = spreadOf(perSeed);
  const r4 = (x: number) => round(x, 4);
  return { images: labelsTest.length, nmi: { mean: r4(mean), sd: r4(sd), median: r4(medianRun(perSeed.map((x) => ({ nmi: x }))).nmi), perSeed: perSeed.map(r4) } };
}

/**
 * `n2d-variants` (runs only when named): N2D's clustering and its variants past the paper
 * (`N2D_CLUSTERING_VARIANTS`: the GMM with 10 starts, a consensus of 5 runs per seed) over the
 * protocol's seeds, on all the images and on the test images, on the codes of N2D's paper protocol
 * (`--codes protocol`, the default: needs all its epochs trained, see `n2d-protocol`), of its
 * training's last checkpoint (`--codes checkpoint`: a partly trained model, labelled so) or of the
 * report's autoencoder (`--codes report`, from the model cache / artifact store). The line gives,
 * per variant and image set, NMI mean ± sd and median over the seeds, per-seed NMI and seconds,
 * the total seconds, for a consensus its members' NMIs and agreement, and on all images the NMI
 * of the fit's test rows alone (`testRows`).
 */
export const n2dVariantsCase: BenchCase = {
  name: 'n2d-variants',
  description: "N2D's clustering variants (GMM with 10 starts, consensus of 5 runs) against the paper's, over 5 seeds, on all and on the test images",
  onlyWhenNamed: true,
  flags: {
    codes: "'protocol' (default: N2D's paper protocol's autoencoder, all epochs trained), 'checkpoint' (its training's last checkpoint, partly trained) or 'report' (the report's conv autoencoder)",
    images: "'all', 'test' or 'both' (default)",
    variants: 'names separated by commas (default: all of N2D_CLUSTERING_VARIANTS)',
    seeds: 'clusterer seeds separated by commas (default: the scale\'s, 0–4)',
    training: "with --codes protocol: the autoencoder of a training variant of N2D_TRAINING_VARIANTS (default 'paper')",
  },
  async run(ctx) {
    const protocolModule = await import('../../experiment/n2d-protocol.js');
    const { n2dProtocolCheckpointCodes, n2dPaperProtocol, n2dProtocolData, trainN2dProtocol, isN2dProtocolComplete, n2dProtocolCodes, n2dProtocolStep, n2dProtocolScores } = protocolModule;
    const { N2D_TRAINING_VARIANTS, n2dProtocolVariant } = await import('../../experiment/n2d-variants.js');
    const { N2D_CLUSTERING_VARIANTS, n2dClusteringStep } = await import('../../experiment/n2d.js');
    const { runClusteringStep } = await import('../../experiment/experiment.js');
    const training = N2D_TRAINING_VARIANTS.find((v) => v.name === (ctx.flags.training ?? 'paper'));
    if (!training) throw new RangeError(`--training takes one of ${N2D_TRAINING_VARIANTS.map((v) => v.name).join(', ')}, got '${ctx.flags.training}'.`);
    const flags = variantFlags(ctx.flags, N2D_CLUSTERING_VARIANTS.map((v) => v.name));
    const { loadExperimentData, autoencoderCodes } = await import('../../experiment/pipeline.js');
    const { sharedAutoencoderTraining } = await import('../../experiment/shared-autoencoder.js');
    const { scaleSettings } = await import('../../experiment/scale.js');
    const settings = scaleSettings();
    const protocol = { ...n2dProtocolVariant(n2dPaperProtocol(settings), training), ...(flags.seeds ? { seeds: flags.seeds } : {}) };
    const all = await loadExperimentData(settings, { verify: false });
    let data = all;
    let codes;
    let source: string;
    if (flags.codes === 'protocol') {
      const piece = await trainN2dProtocol(all, protocol, { budget: { minutes: 0 }, backend: ctx.backend });
      if (!isN2dProtocolComplete(piece)) throw new RangeError(`n2d-variants --codes protocol needs the paper protocol's autoencoder with all its epochs: ${piece.after.summary}`);
      codes = n2dProtocolCodes(all, protocol, piece);
      piece.model?.dispose();
      data = n2dProtocolData(all, protocol);
      source = `N2D's paper protocol${training.name === 'paper' ? '' : `, ${training.title}`} (${piece.key})`;
    } else if (flags.codes === 'checkpoint') {
      const at = await n2dProtocolCheckpointCodes(all, protocol);
      codes = at.codes;
      data = n2dProtocolData(all, protocol);
      source = `N2D's paper protocol${training.name === 'paper' ? '' : `, ${training.title}`}, its checkpoint after ${at.epochsDone} of ${protocol.training.epochs} epochs (saved ${at.savedAt}; partly trained)`;
    } else {
      codes = await autoencoderCodes(all, sharedAutoencoderTraining(settings));
      source = `the report's autoencoder (${codes.architecture}, ${codes.modelKey})`;
    }
    const results: Record<string, unknown>[] = [];
    for (const images of flags.images) {
      for (const name of flags.variants) {
        const variant = N2D_CLUSTERING_VARIANTS.find((v) => v.name === name)!;
        process.stderr.write(`n2d-variants: ${name} on ${images === 'all' ? 'all' : 'the test'} images, seeds ${protocol.seeds.join(', ')} ...\n`);
        const step = flags.codes !== 'report' ? n2dProtocolStep(protocol, codes, { images, variant }) : n2dClusteringStep(codes, protocol, { images, variant });
        const t0 = performance.now();
        const runs = runClusteringStep(data, step);
        const seconds = (performance.now() - t0) / 1000;
        const scores = n2dProtocolScores(runs, protocol);
        const r4 = (x: number) => round(x, 4);
        results.push({
          variant: name, images, scored: runs[0]!.evaluation.labelsPred.length, cost: variant.cost,
          nmi: { mean: r4(scores.nmi.mean), sd: r4(scores.nmi.sd), median: r4(scores.nmi.median) },
          ari: { mean: r4(scores.ari.mean), sd: r4(scores.ari.sd) }, acc: { mean: r4(scores.acc.mean), sd: r4(scores.acc.sd) },
          perSeed: runs.map((r) => ({
            seed: r.seed, nmi: r4(r.evaluation.nmi), seconds: round(r.seconds, 1),
            ...(r.consensus ? { memberNmi: r.consensus.memberNmi.map(r4), agreement: r4(r.consensus.agreement) } : {}),
          })),
          ...(images === 'all' ? { testRows: testRowsScores(runs.map((r) => r.evaluation.labelsPred), data.test.labels) } : {}),
          seconds: round(seconds, 1),
        });
        process.stderr.write(`n2d-variants: ${name} on ${images}: NMI ${scores.nmi.mean.toFixed(4)} ± ${scores.nmi.sd.toFixed(4)}, median ${scores.nmi.median.toFixed(4)} (${seconds.toFixed(0)} s)\n`);
      }
    }
    return { scale: settings.scale, codes: source, seeds: protocol.seeds, umap: protocol.umap, gmm: protocol.gmm, publishedNmi: protocol.publishedNmi, results };
  },
};
