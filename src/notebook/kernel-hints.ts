/**
 * What the tslab kernel prints when a cell fails, made useful for a notebook user:
 *
 * - **a restart hint**: after a kernel restart (or in a new kernel), running a middle cell fails
 *   to compile with tslab's "Cannot find name 'exp'"; when the kernel has not yet run any cell
 *   that declared something, one more line says to run the cells above first
 *   ({@link RESTART_HINT}). A typo in a kernel that has run cells gets no hint.
 * - **concise runtime errors**: tslab prints a thrown error with `console.error(err)`, i.e. Node's
 *   inspection: the library's source line, a caret and the whole stack before or around the
 *   message. {@link formatCellError} prints the message first, its causes, and the one frame
 *   where it was thrown.
 *
 * The kernel spec that `scripts/setup.sh` writes starts Node with
 * `--require scripts/tslab-preload.cjs`, which calls {@link installKernelHints} before tslab
 * starts: tslab keeps the `console.error` it finds at start-up for its diagnostics and errors,
 * so wrapping it then is enough (nothing under node_modules is patched).
 */

/** The hint added under "Cannot find name …" in a kernel that has run no cell yet. */
export const RESTART_HINT =
  'This kernel has not run the cells above (it is new or was restarted): run the cells above first: Run → Run All Above Selected Cell.';

/** tslab's format for one compile diagnostic (`printDiagnostics` in tslab/dist/executor.js). */
export const TSLAB_DIAGNOSTIC_FORMAT = '%s%d:%d - %s';

/**
 * The restart hint for a tslab compile diagnostic, or `undefined`: only for "Cannot find name"
 * (TS2304, and TS2552 "Cannot find name 'x'. Did you mean 'y'?") and only when the kernel has
 * declared nothing yet (`declaredNames` empty), i.e. no cell of the notebook has run in it.
 * @example restartHint("Cannot find name 'exp'.", []) // RESTART_HINT
 */
export function restartHint(message: string, declaredNames: readonly string[]): string | undefined {
  if (!/^Cannot find name '[^']+'/.test(message)) return undefined;
  return declaredNames.length === 0 ? RESTART_HINT : undefined;
}

/**
 * Where the user's code entered the library: of a V8 stack (`    at fn (file:line:col)` lines), the
 * last library frame (the project's `src/` or `dist/`, or `node_modules/`) before the first frame of
 * other code (the cell, `evalmachine.<anonymous>`), shortened to a path relative to `root`; the
 * first frame when there is no such boundary. Node's internal frames are skipped.
 */
function whereThrown(stack: string | undefined, root: string): string | undefined {
  if (!stack) return undefined;
  const isLibrary = (f: string) => f.includes(`${root}/src/`) || f.includes(`${root}/dist/`) || f.includes('/node_modules/');
  let first: string | undefined;
  let entry: string | undefined;
  for (const line of stack.split('\n')) {
    const m = /^\s+at (.*)$/.exec(line);
    if (!m) continue;
    const frame = m[1]!;
    if (/\((node:|internal\/)|^node:|^internal\//.test(frame)) continue;
    first ??= frame;
    if (!isLibrary(frame)) break;
    entry = frame;
  }
  const chosen = entry ?? first;
  return chosen?.split(`${root}/`).join('');
}

/**
 * A thrown value as a notebook user should read it: `Name: message` first, each `cause` on its
 * own line, then where the cell's call entered the library (one stack frame, paths relative to
 * `root`) — no source line,
 * no caret, no stack.
 * @example formatCellError(new RangeError('k must be ≥ 1, got 0.'))
 * // 'RangeError: k must be ≥ 1, got 0.\n    (thrown in new KMeans (dist/cluster/kmeans.js:80:13))'
 */
export function formatCellError(err: unknown, root = process.cwd()): string {
  if (!(err instanceof Error)) return `Error: ${String(err)}`;
  const lines = [`${err.name}: ${err.message}`];
  const seen = new Set<unknown>([err]);
  let cause = (err as { cause?: unknown }).cause;
  while (cause !== undefined && !seen.has(cause) && lines.length < 6) {
    seen.add(cause);
    lines.push(`  caused by ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
    cause = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  }
  const where = whereThrown(err.stack, root);
  if (where) lines.push(`    (thrown in ${where})`);
  return lines.join('\n');
}

/** What {@link installKernelHints} needs from the kernel: its console and its declared names. */
export interface KernelHintsTarget {
  console: { error: (...args: unknown[]) => void };
  /** Names the kernel's cells have declared so far (tslab keeps them on `globalThis.__tslab__.exports`). */
  declaredNames(): string[];
  /** Project root, for short paths in errors (default: the process's working directory). */
  root?: string;
}

/** The declared names of the running tslab kernel (empty before its first successful cell). */
export function tslabDeclaredNames(): string[] {
  const tslab = (globalThis as { __tslab__?: { exports?: object } }).__tslab__;
  return tslab?.exports ? Object.getOwnPropertyNames(tslab.exports) : [];
}

/**
 * Wraps `target.console.error` so that tslab's compile diagnostics get the restart hint (once
 * per cell) and thrown errors print as {@link formatCellError}. Every other call passes through.
 * Returns a function that restores the original.
 */
export function installKernelHints(target: KernelHintsTarget = { console, declaredNames: tslabDeclaredNames }): () => void {
  const original = target.console.error;
  let hinted = false;
  const wrapped = (...args: unknown[]): void => {
    if (args.length === 5 && args[0] === TSLAB_DIAGNOSTIC_FORMAT && typeof args[4] === 'string') {
      original.apply(target.console, args);
      const hint = hinted ? undefined : restartHint(args[4], target.declaredNames());
      if (hint) {
        original.call(target.console, hint);
        // tslab prints a cell's diagnostics in one synchronous loop: one hint per cell.
        hinted = true;
        setImmediate(() => { hinted = false; });
      }
      return;
    }
    if (args.length === 1 && args[0] instanceof Error) {
      original.call(target.console, formatCellError(args[0], target.root));
      return;
    }
    original.apply(target.console, args);
  };
  target.console.error = wrapped;
  return () => {
    if (target.console.error === wrapped) target.console.error = original;
  };
}
