import type { BackendName, TF } from '../tf/backend.js';

/** What a bench case gets: the initialised TF.js backend and the values of its own flags. */
export interface BenchContext {
  readonly tf: TF;
  readonly backend: BackendName;
  /** `--name value` flags the case declares (see {@link BenchCase.flags}), as given; absent ones are missing. */
  readonly flags: Readonly<Record<string, string>>;
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
  /** Flags the case takes (`--minutes 60`): name (without `--`) → what it does, shown by `--list`. */
  readonly flags?: Readonly<Record<string, string>>;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}
