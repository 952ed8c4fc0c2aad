/**
 * A whole number from the environment variable `name` (a bench setting such as `BENCH_AE_IMAGES`),
 * `fallback` when it is unset or blank.
 * @throws RangeError naming the variable, the allowed range and the value given.
 */
export function envInteger(name: string, fallback: number, min: number, max = Infinity, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number ${max === Infinity ? `>= ${min}` : `in ${min}..${max}`}, got '${raw}'.`);
  }
  return value;
}
