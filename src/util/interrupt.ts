/**
 * The kernel's interrupt (JupyterLab's ■, Kernel → Interrupt: SIGINT to the kernel process) as a
 * request that long loops honour at **safe points**: the end of a training batch, the head of an
 * optimisation epoch or an EM/K-Means iteration. The loop stops there with its state consistent,
 * and the cell ends with one line saying what was kept; the kernel and its variables survive.
 *
 * Why this module exists — what tslab (1.0.22, `node_modules/tslab/dist/executor.js`, `main.js`)
 * does with SIGINT on its own:
 * - A cell **without** top-level `await` runs in `vm.runInThisContext(code, { breakOnSigint: true })`.
 *   For that call Node removes every `process.on('SIGINT')` listener, installs a watchdog whose
 *   SIGINT handler *terminates* the JavaScript wherever it is (the cell fails with "Script execution
 *   was interrupted by SIGINT", mid-update of whatever the step was changing), and afterwards
 *   installs `SignalExit` (SIGINT kills the process) and re-adds the listeners — which re-installs
 *   libuv's handler only if no SIGINT listener was *added* during the call. A listener added
 *   synchronously inside a cell (the first, synchronous stretch of an async cell counts) therefore
 *   leaves `SignalExit` in place, and the next ■ kills the kernel: what happened in 03's training.
 * - A cell **with** top-level `await` runs that way up to its first `await`; then tslab's own
 *   listener answers ■ by abandoning the cell ("Interrupted asynchronously") while its promise
 *   runs on in the background — and only once the event loop turns: a training loop that never
 *   yields, or a synchronous UMAP fit, finish first, so ■ looks ignored.
 *
 * What we do instead:
 * - With the compiled addon (native/src/interrupt.c), SIGINT is caught by a C handler that only
 *   sets a flag. It is installed by an {@link interruptible} scope (async work: training) once the
 *   cell's synchronous stretch is over, and lazily by the first safe point of synchronous work
 *   ({@link throwIfInterrupted}); released when the scope ends or, for the lazy catch, when the
 *   synchronous stretch has returned — never leaving Node's own dispositions inconsistent (the C
 *   side restores the one it replaced only while its handler is still installed). A SIGINT that
 *   arrived after the last safe point is re-sent on release, so it is not swallowed.
 * - Without the addon (`FMNIST_NATIVE=0`, no compiler), {@link interruptible} swaps tslab's SIGINT
 *   listener for one that sets the flag, also only after the cell's synchronous stretch; training
 *   yields to the event loop at every batch, so the flag is seen at the batch's end. Synchronous
 *   steps cannot see a listener: ■ during them keeps tslab's behaviour (the cell is terminated, the
 *   kernel and earlier variables survive).
 * @module
 */
import { isMainThread } from 'node:worker_threads';
import { nativeKernels, type NativeKernels } from '../native/index.js';

/**
 * Thrown at a safe point after the kernel's interrupt (■). Its message is the one line a
 * notebook shows: where the step stopped and what was kept. tslab prints a cell's error with
 * `console.error`, i.e. its `stack`, which here is that line alone (where the loop stopped is in
 * the message, a trace adds nothing). tslab forgets the declarations of a cell that failed, so
 * what survives are the variables of earlier cells (and objects they hold, e.g. a model that
 * keeps its weights).
 */
export class InterruptedError extends Error {
  /** The step and how far it got, e.g. `"UMAP's layout, epoch 37/200"`. */
  declare readonly where: string;

  /**
   * @param where the step and how far it got.
   * @param kept what was kept (default: the variables of earlier cells).
   */
  constructor(where: string, kept = 'the cell stopped there; variables of earlier cells are kept') {
    super(`Stopped by ■ (interrupt) in ${where}: ${kept}.`);
    // Not enumerable: console.error would print own enumerable properties after the message.
    Object.defineProperty(this, 'name', { value: 'InterruptedError', enumerable: false, configurable: true, writable: true });
    Object.defineProperty(this, 'where', { value: where, enumerable: false });
    // Read-only: Node prepends the source line of the throw to the stack of an error leaving a
    // vm script (how tslab runs a cell); here that line would only repeat the message's news.
    Object.defineProperty(this, 'stack', { value: `InterruptedError: ${this.message}`, enumerable: false, configurable: true, writable: false });
  }
}

/** How SIGINT reaches the flag: the C handler, or (no addon) a process listener during scopes. */
type Mode = 'native' | 'listener';

let nativeCache: NativeKernels | null | undefined;
function native(): NativeKernels | null {
  if (nativeCache === undefined) nativeCache = nativeKernels() ?? null;
  return nativeCache;
}

/** Active {@link interruptible} scopes (nested or concurrent). */
let depth = 0;
/** Set once an interrupt has been seen in the current catch; cleared when the catch ends. */
let latched = false;
/** A lazily installed native catch, released when the current synchronous stretch has ended. */
let lazy = false;
/** Listener mode: tslab's (and any other) SIGINT listeners set aside during the outermost scope. */
let setAside: NodeJS.SignalsListener[] = [];
/** Listener mode: our listener's flag. */
let listenerFlag = false;
const onSigint: NodeJS.SignalsListener = () => {
  listenerFlag = true;
};
/** AbortControllers of the active scopes, aborted when an interrupt is seen. */
const controllers = new Set<AbortController>();

/** Which mechanism catches SIGINT in this process: `'native'` (the addon) or `'listener'` (fallback). */
export function interruptMode(): Mode {
  return native() ? 'native' : 'listener';
}

function latch(): void {
  if (latched) return;
  latched = true;
  for (const c of controllers) c.abort(new InterruptedError('this step'));
}

/**
 * Ends a catch: puts the replaced SIGINT disposition back, and re-sends a SIGINT that arrived
 * after the last safe point (nobody acted on it) to that disposition, so ■ keeps its usual
 * meaning there (in a terminal: Ctrl-C ends the process) instead of being swallowed.
 */
function release(k: NativeKernels): void {
  const unseen = k.sigintTake() && !latched;
  k.sigintRelease();
  latched = false;
  if (unseen) process.kill(process.pid, 'SIGINT');
}

/**
 * Polls the flag; with the addon and no scope, first installs the catch for the rest of this
 * synchronous stretch. Worker threads never touch SIGINT (the main thread decides).
 */
function poll(): boolean {
  if (!isMainThread) return false;
  const k = native();
  if (k) {
    if (depth === 0 && !lazy) {
      k.sigintCatch();
      latched = false;
      lazy = true;
      // Microtasks run once the current synchronous stretch (a cell's breakOnSigint run, or the
      // stretch of an async cell up to its next await) has returned: the catch ends with it, so an
      // interrupt of this cell never reaches the next one.
      queueMicrotask(() => {
        lazy = false;
        if (depth === 0) release(k);
      });
    } else if (!k.sigintInstalled()) {
      // Node replaced the disposition (a breakOnSigint run ended in between): catch again.
      k.sigintCatch();
    }
    if (k.sigintTake()) latch();
  } else if (listenerFlag) {
    listenerFlag = false;
    latch();
  }
  return latched;
}

/**
 * Whether the kernel's interrupt (■, SIGINT) arrived during the current step: the safe-point
 * check of loops that stop by returning what they have (e.g. training). Cheap (one flag read and,
 * with the addon, a `sigaction` query); call it at most once per iteration of an outer loop.
 * Outside an {@link interruptible} scope it first installs the catch for the current synchronous
 * stretch (addon only), so a synchronous step is interruptible from its first check on.
 * @example
 * for (let epoch = 0; epoch < epochs; epoch++) { if (checkInterrupt()) break; step(); }
 */
export function checkInterrupt(): boolean {
  return poll();
}

/**
 * The safe-point check of synchronous steps: throws {@link InterruptedError} when the kernel's
 * interrupt (■) arrived, so the cell ends with one line naming `where` (e.g. `"UMAP's layout,
 * epoch 37/200"`) and keeps the variables set before it.
 * @throws InterruptedError after ■.
 * @example
 * for (let it = 0; it < maxIter; it++) { throwIfInterrupted(`GaussianMixture's EM, iteration ${it + 1}/${maxIter}`); … }
 */
export function throwIfInterrupted(where: string): void {
  if (poll()) throw new InterruptedError(where);
}

function begin(): void {
  if (depth++ > 0) return;
  latched = false;
  const k = native();
  if (k) {
    // A lazy catch of the same stretch is taken over (its release sees depth > 0 and leaves it).
    k.sigintCatch();
    return;
  }
  listenerFlag = false;
  // Ours first, then the others off: the listener count never reaches 0, so libuv's handler stays
  // installed throughout (at 0 it would reset SIGINT to its default, which kills the process).
  process.on('SIGINT', onSigint);
  setAside = process.listeners('SIGINT').filter((l) => l !== onSigint);
  for (const l of setAside) process.removeListener('SIGINT', l);
}

function end(): void {
  if (--depth > 0) return;
  const k = native();
  if (k) {
    release(k);
    return;
  }
  const unseen = listenerFlag && !latched;
  for (const l of setAside) process.on('SIGINT', l);
  setAside = [];
  process.removeListener('SIGINT', onSigint);
  listenerFlag = false;
  latched = false;
  if (unseen) process.kill(process.pid, 'SIGINT');
}

/**
 * Runs async `work` with the kernel's interrupt (■, SIGINT) caught as a request instead of
 * tslab's abandoning of the cell: `signal` is aborted when ■ arrives (polled every 50 ms while
 * the event loop turns, and at every {@link checkInterrupt}), and `work` is expected to stop at its
 * next safe point and return what it has. The catch begins after the current synchronous stretch
 * (see the module's notes) and ends when `work` settles; scopes nest.
 * @example
 * const result = await interruptible((signal) => model.fit(images, { signal }));
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  // Past the cell's synchronous stretch (its breakOnSigint run) before touching SIGINT: microtasks
  // run only after that run has ended and Node has restored its own dispositions.
  await Promise.resolve();
  if (!isMainThread) return work(new AbortController().signal);
  const controller = new AbortController();
  controllers.add(controller);
  begin();
  if (latched) controller.abort(new InterruptedError('this step'));
  const timer = setInterval(() => {
    poll();
  }, 50);
  timer.unref();
  try {
    return await work(controller.signal);
  } finally {
    clearInterval(timer);
    controllers.delete(controller);
    end();
  }
}

/**
 * {@link interruptible} under its earlier name (the training helpers of src/experiment use it).
 * @example
 * const result = await withInterruptSignal((signal) => loadOrTrain(images, { signal }));
 */
export const withInterruptSignal = interruptible;
