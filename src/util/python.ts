import { existsSync } from 'node:fs';

/**
 * The Python that has Debian's Jupyter, nbclient and scikit-learn: `/usr/bin/python3`. The
 * `python3` first on PATH may be another one (e.g. pyenv's, without them); it is the fallback
 * on systems without a Debian Python.
 */
export const SYSTEM_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
