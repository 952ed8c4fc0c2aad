"""fmnist-cluster's offline HTML export for nbconvert.

The `fmnist_lab` template (JupyterLab's `lab` template, installed with this package under
share/jupyter/nbconvert/templates/) draws every figure from its `application/vnd.plotly.v1+json`
data with plotly.js embedded once in the page, so an exported page draws offline. It renders
figures from their Plotly JSON instead of the figure's `text/html` fallback because that fallback is
a script, which nbconvert's "Sanitize HTML" (JupyterLab's default for File → Save and Export
Notebook As → HTML) shows as escaped text; the JSON is data that plotly.js draws, which is how
JupyterLab's own Plotly renderer treats it (it draws even in untrusted notebooks).

`OfflinePlotlyPreprocessor` (run by the template, see its conf.json) puts plotly.js into the
resources when the notebook has figures and gives the page the notebook's first heading as title.
The package's Jupyter config (etc/jupyter/jupyter_{server,nbconvert}_config.json in the environment)
makes `fmnist_lab` the HTML exporter's template for the Jupyter server and `jupyter nbconvert` of
this environment.
"""
import os
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode

__all__ = ['OfflinePlotlyPreprocessor', 'PLOTLY_MIME', 'TEMPLATE_NAME', 'find_plotly_js', 'plotly_script_html', 'notebook_title']

PLOTLY_MIME = 'application/vnd.plotly.v1+json'
TEMPLATE_NAME = 'fmnist_lab'
#: Where the project keeps plotly.js (npm's plotly.js-dist-min, the same bundle `npm run report` embeds).
NPM_BUNDLE = os.path.join('node_modules', 'plotly.js-dist-min', 'plotly.min.js')


def find_plotly_js(start=None):
    """The plotly.js bundle to embed: `node_modules/plotly.js-dist-min/plotly.min.js` in `start` or
    a folder above it (the project of the notebook), else the copy inside the `plotly` Python
    package, else None. Returns (path, label) where label names the source for the page's comment."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(folder, NPM_BUNDLE)
        if os.path.isfile(candidate):
            return candidate, 'plotly.js-dist-min'
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    try:
        import plotly  # noqa: PLC0415 (optional: only its bundled plotly.js is used)
        candidate = os.path.join(os.path.dirname(plotly.__file__), 'package_data', 'plotly.min.js')
        if os.path.isfile(candidate):
            return candidate, 'the plotly Python package'
    except ImportError:
        pass
    return None, None


def plotly_script_html(source, label='plotly.js-dist-min'):
    """An inline <script> defining window.Plotly from the bundle's source, with AMD `define`,
    `require`, `module` and `exports` hidden (the lab template loads require.js, which would
    otherwise capture the bundle as an anonymous module); skipped where window.Plotly exists.
    The same wrapper as `plotlyBundleHtml` in src/notebook/display.ts."""
    if re.search(r'<script', source, re.IGNORECASE):
        raise ValueError('the plotly.js bundle contains "<script" and cannot be embedded inline; use plotly.min.js')
    version = re.search(r'plotly\.js v([\w.\-]+)', source[:400])
    safe = re.sub(r'</script', r'<\\/script', source, flags=re.IGNORECASE)
    return (
        '<script type="text/javascript">/* plotly.js %s (%s), embedded inline for offline use */\n'
        '(function () {\n'
        '  if (window.Plotly && typeof window.Plotly.newPlot === "function") return;\n'
        '  var m = { exports: {} };\n'
        '  (function (define, require, module, exports) {\n'
        '%s'
        '\n  }).call(window, undefined, undefined, m, m.exports);\n'
        '  if (!window.Plotly || typeof window.Plotly.newPlot !== "function") window.Plotly = m.exports;\n'
        '})();\n</script>' % (version.group(1) if version else 'unknown', label, safe)
    )


_MARKUP = re.compile(r'[*_`]+|\[([^\]]*)\]\([^)]*\)')


def notebook_title(nb):
    """The text of the notebook's first markdown heading (`# 2. K-Means on raw pixels` gives
    "2. K-Means on raw pixels"), without markdown emphasis or links; None if it has none."""
    for cell in nb.cells:
        if cell.cell_type != 'markdown':
            continue
        for line in cell.source.splitlines():
            m = re.match(r'^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$', line)
            if m:
                text = _MARKUP.sub(lambda g: g.group(1) or '', m.group(1)).strip()
                if text:
                    return text
    return None


def has_figures(nb):
    return any(PLOTLY_MIME in out.get('data', {}) for cell in nb.cells if cell.cell_type == 'code' for out in cell.get('outputs', []))


class OfflinePlotlyPreprocessor(Preprocessor):
    """Adds `resources['fmnist_plotly_html']` (the inline plotly.js script, once per page) when the
    notebook has Plotly figures, unless a caller already put one there (`npm run report` passes
    its own), and sets the page title from the notebook's first heading unless the notebook's
    metadata has a `title`."""

    plotly_js = Unicode('', help='plotly.min.js to embed (default: the project\'s node_modules copy, else the plotly package\'s)').tag(config=True)

    def preprocess(self, nb, resources):
        if 'title' not in nb.metadata:
            title = notebook_title(nb)
            if title:
                nb.metadata['title'] = title
        if has_figures(nb) and not resources.get('fmnist_plotly_html'):
            path, label = (self.plotly_js, 'configured') if self.plotly_js else find_plotly_js(resources.get('metadata', {}).get('path'))
            if path:
                with open(path, encoding='utf-8') as f:
                    resources['fmnist_plotly_html'] = plotly_script_html(f.read(), label)
            else:
                self.log.warning('fmnist_lab: no plotly.js found (npm install in the project, or pip install plotly): figures will not draw')
        return nb, resources

