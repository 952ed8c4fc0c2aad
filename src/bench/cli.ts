/**
 * `npm run bench -- [case ...]`: runs each case in its own child process (so peak RSS and the
 * TF.js backend are per case) and prints one JSON line per case on stdout.
 * `--list` prints the case names. Progress and diagnostics go to stderr.
 */
import { fork } from 'node:child_process';
import { BENCH_CASES } from './cases/index.js';

interface ChildResult { ok: boolean; line: Record<string, unknown> }

async function runInChild(name: string): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = fork(__filename, ['--child', name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
    let result: ChildResult | undefined;
    child.on('message', (m) => { result = m as ChildResult; });
    child.on('exit', (code) => {
      resolve(result ?? { ok: false, line: { case: name, error: `bench process exited with code ${code}` } });
    });
  });
}

async function child(name: string): Promise<void> {
  const benchCase = BENCH_CASES.find((c) => c.name === name)!;
  const { initBackend } = await import('../tf/backend.js');
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const ctx = await initBackend();
    const t0 = performance.now();
    const own = await benchCase.run(ctx);
    const seconds = (performance.now() - t0) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const line = { case: name, backend: ctx.backend, seconds: round(seconds), ...own, peakRssMB: round(peak / 2 ** 20, 1) };
    if (typeof line.seconds === 'number') line.seconds = round(line.seconds);
    process.send!({ ok: true, line });
  } catch (err) {
    const e = err as Error;
    const skipped = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || (e as { code?: string }).code === 'MODULE_NOT_FOUND';
    process.send!({ ok: skipped, line: skipped ? { case: name, skipped: `module not available yet: ${e.message.split('\n')[0]}` } : { case: name, error: e.message } });
  } finally {
    clearInterval(sampler);
  }
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!);
  if (args.includes('--list')) {
    for (const c of BENCH_CASES) console.log(`${c.name}\t${c.description}`);
    return;
  }
  const unknown = args.filter((a) => !BENCH_CASES.some((c) => c.name === a));
  if (unknown.length > 0) {
    console.error(`Unknown bench case(s): ${unknown.join(', ')}. Known: ${BENCH_CASES.map((c) => c.name).join(', ')}.`);
    process.exitCode = 2;
    return;
  }
  const names = args.length > 0 ? args : BENCH_CASES.map((c) => c.name);
  let failed = 0;
  for (const name of names) {
    process.stderr.write(`bench: ${name} ...\n`);
    const { ok, line } = await runInChild(name);
    if (!ok) failed++;
    console.log(JSON.stringify(line));
  }
  if (failed > 0) process.exitCode = 1;
}

void main();
