import type { BackendName, TF } from '../tf/backend.js';

/** What a bench case gets: the initialised TF.js backend. */
export interface BenchContext {
  readonly tf: TF;
  readonly backend: BackendName;
}

/**
 * One benchmark case. `run` does the work and returns its own keys (quality figures, sizes,
 * iterations...). The runner adds `case`, `backend`, `seconds` (wall time of `run`, unless the
 * case returns its own `seconds`, e.g. a median over repeats) and `peakRssMB` (whole child process).
 */
export interface BenchCase {
  readonly name: string;
  readonly description: string;
  /** Long cases (e.g. the whole report's pipeline, an hour on 2 cores) run only when named. */
  readonly onlyWhenNamed?: boolean;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}
