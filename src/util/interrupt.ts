/**
 * Runs `work` with an AbortSignal that the process's SIGINT aborts, instead of SIGINT's other
 * listeners. In a tslab kernel, JupyterLab's ■ (interrupt) sends SIGINT, and tslab's own listener
 * abandons the running cell at once while its promise goes on in the background; long work
 * (training) that checks the signal can instead stop cleanly at a safe point and return what it
 * has, in the same cell. The other listeners are restored when `work` settles.
 */
export async function withInterruptSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const others = process.listeners('SIGINT');
  for (const l of others) process.removeListener('SIGINT', l);
  const onSigint = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
    for (const l of others) process.on('SIGINT', l as NodeJS.SignalsListener);
  }
}
