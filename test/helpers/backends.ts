import { loadAllBackends, type TF } from '../../src/tf/backend.js';

/**
 * Runs `fn` with the tensorflow backend selected (the previous backend is restored afterwards), or
 * skips the test, saying why, where tfjs-node does not load.
 */
export async function onTensorflow(t: { skip(message: string): void }, fn: (tf: TF) => Promise<void>): Promise<void> {
  const { tf, backends } = await loadAllBackends();
  if (!backends.includes('tensorflow')) {
    t.skip('tfjs-node does not load here (bash scripts/setup-tfjs-node.sh)');
    return;
  }
  const previous = tf.getBackend();
  await tf.setBackend('tensorflow');
  try {
    await fn(tf);
  } finally {
    await tf.setBackend(previous);
  }
}
