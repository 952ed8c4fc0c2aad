/**
 * Training progress: the event type passed to `onProgress` callbacks, and a throttled printer
 * that is readable both in a terminal and in a notebook.
 */

/** One progress report from an autoencoder's `fit` (ConvAutoencoder, DenseAutoencoder). */
export interface TrainingProgress {
  /**
   * `batch` after every training batch; `epoch` once per epoch, after validation; `resume` once,
   * before the first batch, when `fit` continues a checkpoint; `checkpoint` after each checkpoint
   * written. The last two carry a `message` (e.g. `resuming at epoch 412 of 1000`).
   */
  readonly phase: 'batch' | 'epoch' | 'resume' | 'checkpoint';
  /** What happened, in words (`resume` and `checkpoint` events). */
  readonly message?: string;
  /** 1-based epoch. */
  readonly epoch: number;
  /** Epochs requested (training may stop earlier with early stopping). */
  readonly epochs: number;
  /** Batches done in this epoch (1-based; equals `batches` at the epoch event). */
  readonly batch: number;
  readonly batches: number;
  /** Mean training loss (the model's: BCE per pixel for the conv model, MSE for the dense one) over this epoch's batches so far. */
  readonly loss: number;
  /** Loss of the last batch. */
  readonly batchLoss: number;
  /** Validation loss (epoch events only, when there is validation data). */
  readonly valLoss?: number;
  /** Seconds since this epoch started. */
  readonly epochSeconds: number;
  /** Seconds since `fit` started. */
  readonly elapsedSeconds: number;
  /** Estimated seconds until all `epochs` are done (from the mean time per batch so far). */
  readonly etaSeconds: number;
  /** Training throughput so far in this epoch. */
  readonly imagesPerSecond: number;
}

/** A progress callback. */
export type ProgressCallback = (progress: TrainingProgress) => void;

/** Options of {@link progressPrinter}. */
export interface ProgressPrinterOptions {
  /** Where to write. Default `process.stdout` (what tslab shows in a notebook). */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /**
   * Treat the stream as a terminal: batch progress is one line rewritten in place (`\r`).
   * Default: `stream.isTTY`.
   */
  tty?: boolean;
  /** Terminal: at most one batch update per this many seconds. Default `1`. */
  ttyIntervalSeconds?: number;
  /**
   * Not a terminal (notebook, log file): batch lines are printed on their own line at most once
   * per this many seconds (so a slow epoch still shows life); `Infinity` prints epoch lines only.
   * Default `60`.
   */
  intervalSeconds?: number;
  /** Prefix of every line, e.g. `'autoencoder '`. Default `''`. */
  prefix?: string;
  /** Clock in milliseconds (tests inject a fake one). Default `Date.now`. */
  now?: () => number;
}

/**
 * A progress callback that prints: one line per epoch (`epoch 3/50  loss 0.2871  val 0.2902
 * 28.1 s  ETA 22m30s`), and between epochs at most one batch update per second in a terminal
 * (rewritten in place) or one per minute elsewhere (notebooks, logs). Never thousands of lines.
 * @example await new ConvAutoencoder({ epochs: 5 }).fit(images, { onProgress: progressPrinter() });
 */
export function progressPrinter(options: ProgressPrinterOptions = {}): ProgressCallback {
  const stream = options.stream ?? process.stdout;
  const tty = options.tty ?? stream.isTTY === true;
  const interval = (tty ? options.ttyIntervalSeconds ?? 1 : options.intervalSeconds ?? 60) * 1000;
  const prefix = options.prefix ?? '';
  const clock = options.now ?? Date.now;
  let last: number | undefined; // time of the last line (or of the first event)
  let pending = false; // a \r line is on screen
  return (p) => {
    const now = clock();
    last ??= now;
    if (p.phase === 'resume' || p.phase === 'checkpoint') {
      stream.write(`${tty && pending ? '\r\x1b[K' : ''}${prefix}${p.message ?? p.phase}\n`);
      pending = false;
      return;
    }
    if (p.phase === 'batch') {
      if (now - last < interval || p.batch === p.batches) return;
      last = now;
      const line = `${prefix}epoch ${p.epoch}/${p.epochs}  batch ${p.batch}/${p.batches}  loss ${p.loss.toFixed(4)}  ` +
        `${p.epochSeconds.toFixed(1)} s  ETA ${formatDuration(p.etaSeconds)}`;
      if (tty) { stream.write(`\r\x1b[K${line}`); pending = true; } else stream.write(`${line}\n`);
      return;
    }
    last = now;
    const val = p.valLoss === undefined ? '' : `  val ${p.valLoss.toFixed(4)}`;
    const eta = p.epoch < p.epochs ? `  ETA ${formatDuration(p.etaSeconds)}` : '';
    const line = `${prefix}epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toFixed(4)}${val}  ${p.epochSeconds.toFixed(1)} s${eta}`;
    stream.write(`${tty && pending ? '\r\x1b[K' : ''}${line}\n`);
    pending = false;
  };
}

/** `75` → `1m15s`, `3725` → `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
