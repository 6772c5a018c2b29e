"""Small fixes to every built page, for readers and link previews (a local Sphinx extension).

- ``<meta name="description">``: the first paragraph of the page, shortened, so a shared link
  shows a preview of what the page is about.
- The download button's link to a page's source (``_sources/NAME.ipynb``) gets a ``download``
  attribute, so the notebook is saved instead of opened as raw JSON in a new tab.
- Accessibility (axe-core, serious and critical findings): the theme's search buttons and
  myst-nb's "Show code cell source" toggles carry an ``aria-label`` that differs from their
  visible text, so a speech-input user who says what they see cannot activate them: the label is
  dropped and the visible text names them. The colour-mode button's icons carry titles that read
  as text its label lacks: they become decoration. The bibliography's ``role="list"`` has entries
  that are not list items: the role goes. ``tests/test_site.py`` runs axe-core on every page.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

_DOWNLOAD = re.compile(r'(<a href="_sources/[^"]+\.(?:ipynb|md)")(?![^>]*\sdownload[\s=>])')
_LABELS = [
    (re.compile(r'(<button class="[^"]*search-button__button[^"]*" title="Search") '
                r'aria-label="Search"'), r"\1"),
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    # the colour-mode button is labelled "Color mode"; its icons' titles ("Light", "Dark", ...)
    # read as text inside it that the label does not include: they are decoration
    (re.compile(r'(<i class="theme-switch [^"]*" data-mode="[a-z]+")\s+title="[^"]*"'),
     r'\1 aria-hidden="true"'),
    # sphinxcontrib-bibtex marks the reference list role="list", but its entries are not list
    # items (axe-core: aria-required-children, critical); the entries keep their own role
    (re.compile(r'<div role="list" class="citation-list">'), '<div class="citation-list">'),
]


def _description(doctree, limit=200):
    para = doctree.next_node(nodes.paragraph) if doctree is not None else None
    if para is None:
        return None
    text = " ".join(para.astext().split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def add_description(app, pagename, templatename, context, doctree):
    text = _description(doctree)
    if text:
        escaped = text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        context["metatags"] = context.get("metatags", "") + \
            f'\n    <meta name="description" content="{escaped}" />'


def fix_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).glob("*.html"):
        html = path.read_text(encoding="utf-8")
        fixed = _DOWNLOAD.sub(r"\1 download", html)
        for pattern, repl in _LABELS:
            fixed = pattern.sub(repl, fixed)
        if fixed != html:
            path.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("html-page-context", add_description)
    app.connect("build-finished", fix_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
