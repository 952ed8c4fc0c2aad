import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The project root (the folder holding package.json), found from this compiled module. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Environment variable overriding the cache root (default `<project>/.cache`). */
export const CACHE_ENV = 'FMNIST_CACHE_DIR';

/** Root folder of cached models, artifacts and recorded results. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env[CACHE_ENV] ?? path.join(PROJECT_ROOT, '.cache'));
}

/**
 * The project's Python (`.venv/bin/python`, made by `scripts/setup.sh` with JupyterLab, nbclient,
 * nbconvert and plotly from the pinned requirements.txt).
 * @throws Error naming the set-up command when the virtual environment is missing.
 */
export function projectPython(root = PROJECT_ROOT): string {
  const py = path.join(root, '.venv', 'bin', 'python');
  if (!existsSync(py)) {
    throw new Error(`The project's Python environment ${path.join(root, '.venv')} is missing: run \`bash scripts/setup.sh\` (or \`npm test\` / \`npm run report\`, which run it).`);
  }
  return py;
}

/** The environment for Jupyter commands: the project-local kernel spec (.jupyter) first on JUPYTER_PATH. */
export function jupyterEnv(env: NodeJS.ProcessEnv = process.env, root = PROJECT_ROOT): NodeJS.ProcessEnv {
  return {
    ...env,
    JUPYTER_PATH: [path.join(root, '.jupyter'), env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
}
