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

Usage: execute_notebook.py NOTEBOOK OUT_IPYNB OUT_HTML [--timeout SECONDS] [--plotly-bundle FILE]
Runs with the project's .venv/bin/python (nbclient, nbconvert, nbformat pinned in requirements.txt).
"""
import json
import os
import sys
import tempfile
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


class ForwardingClient(NotebookClient):
    """Forwards every printed line to stderr as it arrives (nbclient only returns whole cells)."""

    def output(self, outs, msg, display_id, cell_index):
        if msg.get('msg_type') == 'stream':
            for line in msg['content'].get('text', '').replace('\r', '\n').splitlines():
                if line.strip():
                    sys.stderr.write('OUTPUT %s\n' % json.dumps(line))
            sys.stderr.flush()
        return super().output(outs, msg, display_id, cell_index)


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
    nb = nbformat.read(src, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code']
    started = {}

    def on_start(cell, cell_index):
        started[cell_index] = time.time()

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
        result['error'] = '%s: %s' % (type(err).__name__, err)
    result['seconds'] = round(time.time() - t0, 2)
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
    atomic_write(out_html, body)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
