/**
 * `npm run bench -- [case ...] [--repeat N] [--no-reference] [--<flag> value ...]`: runs each case in its own child
 * process (so peak RSS and the TF.js backend are per case) and prints one JSON line per case on
 * stdout. With `--repeat N` each case runs N times and the line holds the median seconds (and
 * every run's seconds in `runs`). Cases that have a scikit-learn twin in
 * `bench/sklearn_reference.py` also run it, right after ours in the same invocation, and add
 * `reference` (its line) and `ratioToReference` (our median seconds / its median seconds): machines
 * are noisy, so compare ratios measured together. A case may declare flags of its own (e.g.
 * `n2d-protocol --minutes 60`), passed to it as `ctx.flags`. `--list` prints the case names and their
 * flags. Progress and diagnostics go to stderr.
 */
import { execFileSync, fork } from 'node:child_process';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { BENCH_CASES } from './cases/index.js';
import { SYSTEM_PYTHON } from '../util/python.js';
import { median, referenceKeys, round } from './stats.js';

const REFERENCE_SCRIPT = path.resolve(__dirname, '..', '..', 'bench', 'sklearn_reference.py');

/** The case names the scikit-learn reference script knows (empty when it cannot run here). */
function referenceCases(): Set<string> {
  try {
    return new Set(execFileSync(SYSTEM_PYTHON, [REFERENCE_SCRIPT, '--list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

function runReference(name: string): Record<string, unknown> | undefined {
  try {
    const out = execFileSync(SYSTEM_PYTHON, [REFERENCE_SCRIPT, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}


interface ChildResult { ok: boolean; line: Record<string, unknown> }

async function runInChild(name: string, flags: Readonly<Record<string, string>>): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = fork(__filename, ['--child', name, JSON.stringify(flags)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
    let result: ChildResult | undefined;
    child.on('message', (m) => { result = m as ChildResult; });
    child.on('exit', (code) => {
      resolve(result ?? { ok: false, line: { case: name, error: `bench process exited with code ${code}` } });
    });
  });
}

async function child(name: string, flags: Readonly<Record<string, string>>): Promise<void> {
  const benchCase = BENCH_CASES.find((c) => c.name === name)!;
  const { initBackend } = await import('../tf/backend.js');
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const ctx = { ...(await initBackend()), flags };
    const t0 = performance.now();
    const own = await benchCase.run(ctx);
    const seconds = (performance.now() - t0) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    // The machine's 1-minute load average when the case ended (machines are shared: say how busy).
    const line = { case: name, backend: ctx.backend, seconds: round(seconds), ...own, peakRssMB: round(peak / 2 ** 20, 1), loadavg: round(loadavg()[0]!, 2) };
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


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!, JSON.parse(args[2] ?? '{}') as Record<string, string>);
  if (args.includes('--list')) {
    for (const c of BENCH_CASES) {
      const flags = Object.entries(c.flags ?? {}).map(([f, what]) => ` --${f}: ${what}.`).join('');
      console.log(`${c.name}\t${c.description}${c.onlyWhenNamed ? ' (runs only when named)' : ''}${flags}`);
    }
    return;
  }
  const repeatAt = args.indexOf('--repeat');
  const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 1;
  if (!Number.isInteger(repeat) || repeat < 1) {
    console.error(`--repeat takes a whole number >= 1, got '${args[repeatAt + 1]}'.`);
    process.exitCode = 2;
    return;
  }
  const withReference = !args.includes('--no-reference');
  // `--<flag> value` of the cases' own flags; their values are not case names.
  const caseFlags = new Set(BENCH_CASES.flatMap((c) => Object.keys(c.flags ?? {})));
  const flags: Record<string, string> = {};
  const values = new Set<number>(repeatAt >= 0 ? [repeatAt + 1] : []);
  for (const [i, a] of args.entries()) {
    if (!a.startsWith('--') || a === '--repeat' || a === '--no-reference') continue;
    const name = a.slice(2);
    if (!caseFlags.has(name)) {
      console.error(`Unknown option ${a}: expected --repeat N, --no-reference, --list${caseFlags.size ? ` or a case's flag (${[...caseFlags].map((f) => `--${f}`).join(', ')})` : ''}.`);
      process.exitCode = 2;
      return;
    }
    if (args[i + 1] === undefined || args[i + 1]!.startsWith('--')) {
      console.error(`${a} takes a value (e.g. ${a} 60).`);
      process.exitCode = 2;
      return;
    }
    flags[name] = args[i + 1]!;
    values.add(i + 1);
  }
  const caseArgs = args.filter((a, i) => !a.startsWith('--') && !values.has(i));
  const unknown = caseArgs.filter((a) => !BENCH_CASES.some((c) => c.name === a));
  if (unknown.length > 0) {
    console.error(`Unknown bench case(s): ${unknown.join(', ')}. Known: ${BENCH_CASES.map((c) => c.name).join(', ')}.`);
    process.exitCode = 2;
    return;
  }
  const names = caseArgs.length > 0 ? caseArgs : BENCH_CASES.filter((c) => !c.onlyWhenNamed).map((c) => c.name);
  const unused = Object.keys(flags).filter((f) => !names.some((n) => BENCH_CASES.find((c) => c.name === n)!.flags?.[f] !== undefined));
  if (unused.length > 0) {
    console.error(`Option ${unused.map((f) => `--${f}`).join(', ')} belongs to none of the cases run (${names.join(', ')}); see --list.`);
    process.exitCode = 2;
    return;
  }
  const references = withReference ? referenceCases() : new Set<string>();
  let failed = 0;
  for (const name of names) {
    const lines: Record<string, unknown>[] = [];
    const refs: Record<string, unknown>[] = [];
    let ok = true;
    for (let r = 0; r < repeat && ok; r++) {
      process.stderr.write(`bench: ${name} (run ${r + 1}/${repeat}) ...\n`);
      const own = BENCH_CASES.find((c) => c.name === name)!.flags ?? {};
      const result = await runInChild(name, Object.fromEntries(Object.entries(flags).filter(([f]) => f in own)));
      ok = result.ok && !('skipped' in result.line);
      lines.push(result.line);
      if (ok && references.has(name)) {
        process.stderr.write(`bench: ${name}: scikit-learn reference (run ${r + 1}/${repeat}) ...\n`);
        refs.push(runReference(name)!);
      }
    }
    if (!ok) {
      if (!('skipped' in lines[lines.length - 1]!)) failed++;
      console.log(JSON.stringify(lines[lines.length - 1]));
      continue;
    }
    const seconds = lines.map((l) => Number(l.seconds));
    const mid = median(seconds);
    const line: Record<string, unknown> = { ...lines.find((l) => Number(l.seconds) === mid) ?? lines[0], seconds: round(mid) };
    if (repeat > 1) line.runs = seconds.map((x) => round(x));
    Object.assign(line, referenceKeys(line, mid, refs));
    console.log(JSON.stringify(line));
  }
  if (failed > 0) process.exitCode = 1;
}

void main();
