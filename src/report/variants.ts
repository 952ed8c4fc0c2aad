/**
 * Which recorded results `npm run report`'s index shows, and the command that clears variants.
 *
 * Interactive work leaves variants in the results store (a k = 5 rerun in JupyterLab is recorded
 * under its own id, so it never replaces the report's setting). A report should give the same
 * index after such a session as on a fresh clone: variants recorded before the report started are
 * left out unless asked for (`--include-variants`). Variants that the notebooks themselves record
 * during the run (07's dense-autoencoder section) belong to the report and are always shown.
 */
import type { PipelineResult, ResultStore } from '../experiment/results.js';

/** The command-line options of `npm run report` (see {@link parseReportArgs}). */
export interface ReportArgs {
  /** Show variants recorded before this run (default false: only the run's own). */
  readonly includeVariants: boolean;
  /** Remove every recorded variant at the scale, then exit without running notebooks. */
  readonly clearVariants: boolean;
  /** Notebook name filters (run only notebooks whose file name contains one). */
  readonly only: readonly string[];
}

/** The flags `npm run report --` accepts. */
export const REPORT_FLAGS = ['--include-variants', '--clear-variants'] as const;

/**
 * Parses `npm run report -- [--include-variants | --clear-variants] [name-filter ...]`.
 * @throws RangeError naming an unknown `--flag` and listing the allowed ones.
 * @example parseReportArgs(['--include-variants', '02']) // { includeVariants: true, clearVariants: false, only: ['02'] }
 */
export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const flags = argv.filter((a) => a.startsWith('--'));
  const unknown = flags.filter((f) => !(REPORT_FLAGS as readonly string[]).includes(f));
  if (unknown.length > 0) {
    throw new RangeError(`unknown option ${unknown.join(', ')}; allowed: ${REPORT_FLAGS.join(', ')} and notebook name filters (e.g. 02 or kmeans).`);
  }
  return {
    includeVariants: flags.includes('--include-variants'),
    clearVariants: flags.includes('--clear-variants'),
    only: argv.filter((a) => !a.startsWith('--')),
  };
}

/**
 * Splits recorded results into those the index shows and the variants it leaves out: a variant
 * recorded before `runStartedAt` (an interactive one) is left out unless `includeVariants`;
 * everything else is shown.
 * @example indexResults(store.load(), { runStartedAt: start, includeVariants: false }).leftOut.length
 */
export function indexResults(results: readonly PipelineResult[], options: { runStartedAt: Date; includeVariants: boolean }): { shown: PipelineResult[]; leftOut: PipelineResult[] } {
  const shown: PipelineResult[] = [];
  const leftOut: PipelineResult[] = [];
  const start = options.runStartedAt.getTime();
  for (const r of results) {
    const before = !(Date.parse(r.recordedAt) >= start);
    (r.label === 'variant' && before && !options.includeVariants ? leftOut : shown).push(r);
  }
  return { shown, leftOut };
}

/**
 * Removes every variant recorded at the store's scale (`npm run report -- --clear-variants`);
 * the report's and the improved settings stay. Returns the removed results.
 */
export function clearVariants(store: ResultStore): PipelineResult[] {
  return store.remove((r) => r.label === 'variant');
}
