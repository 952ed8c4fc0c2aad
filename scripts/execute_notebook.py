#!/usr/bin/env python3
"""Executes one notebook with the tslab kernel, then writes the executed copy (signed, so it is
trusted when reopened) and its HTML export.

tslab writes compile and runtime errors to stderr only, so nbclient's CellExecutionError carries
no text: this script reads the failing cell's stderr and reports notebook, cell number and error.
Prints one JSON line on stdout: {"ok", "seconds", "cells", "failedCell", "error"}.

Every line a cell prints (e.g. the autoencoder's epoch lines) is also written to stderr as
`OUTPUT <json string>`, so the report runner can show long cells' progress as it happens.
The HTML page uses the project's `fmnist_lab` nbconvert template (python/fmnist_nbconvert): figures
drawn from their Plotly data by plotly.js embedded once in <head> (with --plotly-bundle FILE, the
file's HTML, i.e. the inline plotly.js script; notebooks do not embed plotly.js), the page title
from the notebook's first heading.

Stopping: on SIGTERM, SIGINT or SIGHUP — and when the parent (the report runner) dies, through
PR_SET_PDEATHSIG and a watcher thread — the kernel's process group (jupyter_client starts the
kernel in a session of its own) is terminated, then killed after a grace period, nothing is
written (the runner's "interrupted" page stays), and the script exits with 128 + the signal after
printing {"ok": false, "interrupted": "SIGTERM", ...}. The kernel's pid and process group are
written to stderr as `KERNEL {"pid", "pgid"}` so the runner can kill it should this script be
killed outright. A run that ends (all cells, or a failing cell) writes its page; one that did not
run every cell has a first line saying so and a banner.

Usage: execute_notebook.py NOTEBOOK OUT_IPYNB OUT_HTML [--timeout SECONDS] [--plotly-bundle FILE]
Runs with the project's .venv/bin/python (nbclient, nbconvert, nbformat pinned in requirements.txt).
"""
import asyncio
import ctypes
import html
import json
import os
import signal
import sys
import tempfile
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbconvert import HTMLExporter
from nbformat.sign import NotebookNotary


def atomic_write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix='.tmp-')
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def cell_error_text(cell):
    parts = []
    for out in cell.get('outputs', []):
        if out.get('output_type') == 'stream' and out.get('name') == 'stderr':
            parts.append(out.get('text', ''))
        elif out.get('output_type') == 'error':
            parts.append('%s: %s' % (out.get('ename', ''), out.get('evalue', '')))
    return ''.join(parts).strip()


# The first line of every page says whether it holds a complete run (the report runner and its
# tests read it): `<!-- fmnist-cluster-report: complete run ... -->` or `... INCOMPLETE ...`.
PAGE_MARK = '<!-- fmnist-cluster-report: %s -->\n'
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
KERNEL_GRACE_SECONDS = 3.0


class Stopper:
    """Stops the kernel's process group and exits, at most once, on a signal or the parent's death."""

    def __init__(self):
        self.kernel = None  # (pid, pgid, Popen or None)
        self.cell = None
        self.cells = 0
        self.stopping = False
        self.parent = None
        self.connection_file = None

    def stop_kernel(self):
        if self.kernel is None:
            return
        pid, pgid, proc = self.kernel
        for sig, wait in ((signal.SIGTERM, KERNEL_GRACE_SECONDS), (signal.SIGKILL, 1.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            deadline = time.time() + wait
            while time.time() < deadline:
                if proc is not None and proc.poll() is not None:
                    break
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)

    def stop(self, signum, *_):
        if self.stopping:
            return
        self.stopping = True
        name = signal.Signals(signum).name
        self.stop_kernel()
        if self.connection_file:
            try:
                os.unlink(self.connection_file)
            except OSError:
                pass
        where = ' during cell %d/%d' % (self.cell, self.cells) if self.cell else ''
        try:
            sys.stdout.write(json.dumps({'ok': False, 'interrupted': name, 'seconds': 0, 'cells': self.cells, 'failedCell': self.cell,
                                         'error': 'interrupted by %s%s: the kernel was stopped and no page was written' % (name, where)}) + '\n')
            sys.stdout.flush()
        except OSError:
            pass  # the runner is gone (a broken pipe): nobody to tell
        os._exit(128 + signum)

    def parent_gone(self):
        return self.parent is not None and os.getppid() != self.parent

    def install(self, loop=None):
        for sig in STOP_SIGNALS:
            if loop is not None:
                loop.add_signal_handler(sig, self.stop, sig)
            else:
                signal.signal(sig, self.stop)

    def watch_parent(self):
        """SIGTERM to ourselves when the parent dies (Linux: at once; elsewhere: within 0.5 s)."""
        parent = int(os.environ.get('REPORT_RUNNER_PID') or os.getppid())
        self.parent = parent
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass

        def poll():
            while True:
                if os.getppid() != parent:
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                time.sleep(0.5)

        if os.getppid() != parent:  # the parent died before we could ask to be told
            self.stop(signal.SIGTERM)
        threading.Thread(target=poll, daemon=True).start()


STOPPER = Stopper()


class ForwardingClient(NotebookClient):
    """Forwards every printed line to stderr as it arrives (nbclient only returns whole cells)."""

    async def async_start_new_kernel(self, **kwargs):
        await super().async_start_new_kernel(**kwargs)
        provisioner = getattr(self.km, 'provisioner', None)
        proc = getattr(provisioner, 'process', None)
        pid = getattr(provisioner, 'pid', None) or (proc.pid if proc else None)
        pgid = getattr(provisioner, 'pgid', None)
        if pid is not None:
            pgid = pgid or os.getpgid(pid)
            STOPPER.kernel = (pid, pgid, proc)
            STOPPER.connection_file = getattr(self.km, 'connection_file', None)
            sys.stderr.write('KERNEL %s\n' % json.dumps({'pid': pid, 'pgid': pgid}))
            sys.stderr.flush()
        # nbclient's own handlers only shut the kernel down and let the run go on to write a page
        # with cells never run: ours stop everything and write nothing.
        STOPPER.install(asyncio.get_running_loop())

    def output(self, outs, msg, display_id, cell_index):
        if msg.get('msg_type') == 'stream':
            for line in msg['content'].get('text', '').replace('\r', '\n').splitlines():
                if line.strip():
                    sys.stderr.write('OUTPUT %s\n' % json.dumps(line))
            sys.stderr.flush()
        return super().output(outs, msg, display_id, cell_index)


def _insert_after_body(page, snippet):
    """`snippet` right after the opening <body ...> tag (or at the start when there is none)."""
    i = page.find('<body')
    j = page.find('>', i) if i >= 0 else -1
    return page[:j + 1] + snippet + page[j + 1:] if j >= 0 else snippet + page


def take_option(args, name, convert=str):
    if name not in args:
        return None
    i = args.index(name)
    value = convert(args[i + 1])
    del args[i:i + 2]
    return value


def main():
    args = sys.argv[1:]
    timeout = take_option(args, '--timeout', int)
    plotly_bundle = take_option(args, '--plotly-bundle')
    src, out_ipynb, out_html = args
    STOPPER.install()
    STOPPER.watch_parent()
    nb = nbformat.read(src, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code']
    STOPPER.cells = len(code_cells)
    started = {}

    def on_start(cell, cell_index):
        started[cell_index] = time.time()
        if cell.cell_type == 'code':
            STOPPER.cell = code_cells.index(cell_index) + 1

    def on_done(cell, cell_index, **_):
        # One progress line per code cell on stderr, for the report runner to show.
        if cell.cell_type == 'code':
            n = code_cells.index(cell_index) + 1
            sys.stderr.write('PROGRESS %s\n' % json.dumps({
                'cell': n, 'cells': len(code_cells),
                'seconds': round(time.time() - started.get(cell_index, time.time()), 2)}))
            sys.stderr.flush()

    client = ForwardingClient(nb, kernel_name='tslab', timeout=timeout,
                            on_cell_start=on_start, on_cell_executed=on_done,
                            resources={'metadata': {'path': os.path.dirname(os.path.abspath(src))}})
    result = {'ok': True, 'seconds': 0.0, 'cells': len(code_cells), 'failedCell': None, 'error': None}
    t0 = time.time()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        result['ok'] = False
        # The failing cell is the last code cell that has outputs or an execution count.
        failed = None
        for i in code_cells:
            if nb.cells[i].get('execution_count') is not None or nb.cells[i].get('outputs'):
                failed = i
        text = cell_error_text(nb.cells[failed]) if failed is not None else ''
        result['failedCell'] = None if failed is None else code_cells.index(failed) + 1
        result['error'] = text or str(err).strip().splitlines()[-1] if (text or str(err).strip()) else 'the cell failed without an error message'
    except Exception as err:  # kernel died, could not start, ...
        result['ok'] = False
        result['failedCell'] = STOPPER.cell
        result['error'] = '%s: %s' % (type(err).__name__, err)
    result['seconds'] = round(time.time() - t0, 2)
    # nbclient removed its loop's handlers (restoring the defaults): ours again, until the end.
    STOPPER.install()
    STOPPER.stop_kernel()  # normally gone already; never leave one behind
    if STOPPER.parent_gone():
        # The runner died (its pipes with it, which can kill the kernel before our SIGTERM is
        # handled): an interrupted run, not a failed one, and no page.
        STOPPER.stop(signal.SIGTERM)
    NotebookNotary().sign(nb)
    atomic_write(out_ipynb, nbformat.writes(nb))
    # The project's nbconvert template (python/fmnist_nbconvert, installed by scripts/setup.sh): the
    # same page as JupyterLab's File → Save and Export Notebook As → HTML gives, figures drawn
    # from their Plotly data, the title from the notebook's first heading. No MathJax: the
    # notebooks have no formulas, and its CDN script cannot load offline.
    resources = {'metadata': {'name': os.path.splitext(os.path.basename(src))[0],
                              'path': os.path.dirname(os.path.abspath(src))}}
    if plotly_bundle:
        with open(plotly_bundle, encoding='utf-8') as f:
            resources['fmnist_plotly_html'] = f.read()
    body, _ = HTMLExporter(mathjax_url='', template_name='fmnist_lab').from_notebook_node(nb, resources=resources)
    if result['ok']:
        body = PAGE_MARK % ('complete run, %d of %d code cells' % (len(code_cells), len(code_cells))) + body
    else:
        where = 'cell %d of %d' % (result['failedCell'], len(code_cells)) if result['failedCell'] else 'before its cells ran'
        note = 'INCOMPLETE run: stopped at %s (%s); the cells after it did not run' % (where, (result['error'] or '').splitlines()[0] if result['error'] else 'no error text')
        banner = '<div style="border:2px solid #b00;background:#fee;padding:8px;margin:8px">%s</div>' % html.escape(note)
        body = PAGE_MARK % note.replace('--', '- -') + _insert_after_body(body, banner)
    atomic_write(out_html, body)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
