"""The built site in a real browser, served from 127.0.0.1 only.

Every page of the table of contents that is in the site is opened in Debian's Chromium (through
Playwright, never `playwright install`). Checked: no console or page errors, no request leaves
127.0.0.1, every image loads, every explorer's no-kernel view reacts to its controls, the launch
(Binder, Colab) and download buttons point where they should, and every relative link and
``#anchor`` resolves. A full-page screenshot of each page goes to test-artifacts/screenshots/.

The site is book/_build/html, or the folder in the environment variable ``POOLDEMO_SITE`` (e.g. a
partial build by scripts/build-chapters.sh).
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from conftest import BOOK, HTML, ROOT

SITE = Path(os.environ.get("POOLDEMO_SITE", HTML)).resolve()
# the book source the site was built from (a partial build copies book/ two levels above its html)
SOURCE = SITE.parent.parent if (SITE.parent.parent / "_config.yml").exists() else BOOK
SHOTS = ROOT / "test-artifacts" / "screenshots"
CONFIG = yaml.safe_load((BOOK / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"].get("branch", "main")
BOOK_PATH = CONFIG["repository"].get("path_to_book", "book")


def _toc_files():
    # a partial build (scripts/build-chapters.sh) keeps its own _toc.yml two levels above the html
    toc_path = SITE.parent.parent / "_toc.yml"
    toc = yaml.safe_load((toc_path if toc_path.exists() else BOOK / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part["chapters"]:
            files.append(chapter["file"])
            files += [s["file"] for s in chapter.get("sections", [])]
    return files


PAGES = [f for f in _toc_files() if (SITE / f"{f}.html").exists()] if SITE.exists() else []
pytestmark = pytest.mark.skipif(not PAGES, reason=f"no built site at {SITE}: build the book first")


# --- static checks: links ------------------------------------------------------------------------

class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])


@functools.lru_cache(maxsize=None)
def _parse(path: Path):
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _built_pages():
    return sorted(p for p in SITE.rglob("*.html")
                  if not {"_static", "_sources"} & set(p.relative_to(SITE).parts))


def test_every_toc_page_was_built():
    assert (SITE / "index.html").exists()
    missing = [f for f in _toc_files() if not (SITE / f"{f}.html").exists()]
    assert not missing, f"in _toc.yml but not in {SITE}: {missing}"


def test_relative_links_and_anchors_resolve():
    broken = []
    for page in _built_pages():
        for href in _parse(page).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(SITE)} -> {href}"
            if not target.exists() or SITE not in target.parents:
                broken.append(f"{where}: no such file")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target).ids:
                    broken.append(f"{where}: no element with that id")
    assert not broken, "\n".join(broken)


# --- the browser -------------------------------------------------------------------------------

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


_EXPLORER_JS = """
async (root) => {
  const img = root.querySelector('img.pd-image');
  const out = root.querySelector('.pd-readout');
  const snap = () => [img.getAttribute('src') || '', out ? out.innerHTML : ''];
  const results = [];
  const controls = Array.from(root.querySelectorAll('[data-pd-control]'));
  for (const el of controls) {
    const before = snap();
    let moved = null;
    if (el.tagName === 'SELECT') {
      if (el.options.length < 2) { results.push({control: el.getAttribute('aria-label'), skipped: true}); continue; }
      el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
      moved = el.value;
      el.dispatchEvent(new Event('change', {bubbles: true}));
    } else {
      const lo = parseInt(el.min, 10), hi = parseInt(el.max, 10), v = parseInt(el.value, 10);
      if (hi <= lo) { results.push({control: el.getAttribute('aria-label'), skipped: true}); continue; }
      el.value = v < hi ? v + 1 : lo;
      moved = el.value;
      el.dispatchEvent(new Event('input', {bubbles: true}));
    }
    await new Promise(r => setTimeout(r, 30));
    const after = snap();
    results.push({control: el.getAttribute('aria-label'), moved: moved,
                  image_changed: before[0] !== after[0], readout_changed: before[1] !== after[1],
                  image_ok: after[0].startsWith('data:image/png;base64,') && after[0].length > 100,
                  missing: (out && /not precomputed/.test(out.textContent))});
  }
  return {id: root.id, controls: results};
}
"""


@functools.lru_cache(maxsize=None)
def _visit(name, base, browser_id):
    """Open one page once; everything the tests below assert on is collected here."""
    browser = _BROWSERS[browser_id]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    found = {"console": [], "page_errors": [], "foreign": [], "failed": []}
    page.on("console", lambda m: m.type == "error" and found["console"].append(
        f"{m.text} @ {m.location.get('url', '')}"))
    page.on("pageerror", lambda e: found["page_errors"].append(str(e)))
    page.on("requestfailed", lambda r: found["failed"].append(f"{r.url} ({r.failure})"))

    def gate(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            found["foreign"].append(route.request.url)
            route.abort()

    page.route("**/*", gate)
    page.goto(f"{base}/{name}.html", wait_until="load")
    try:
        page.wait_for_load_state("networkidle", timeout=15000)
    except Exception:  # a page that never goes idle is reported by the checks below
        pass
    # scroll through the page so that lazy images load, then back to the top
    page.evaluate("""async () => {
        for (let y = 0; y < document.body.scrollHeight; y += 600) {
            window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20)); }
        window.scrollTo(0, 0); }""")
    page.wait_for_timeout(200)
    found["images"] = page.evaluate("""() => Array.from(document.images).map(i => ({
        src: (i.currentSrc || i.src).slice(0, 120), ok: i.complete && i.naturalWidth > 0}))""")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    found["explorers"] = [page.evaluate(_EXPLORER_JS, el)
                          for el in page.query_selector_all("div.pd-explorer")]
    found["links"] = page.evaluate("""() => Array.from(document.querySelectorAll('a[href]'))
        .map(a => ({href: a.getAttribute('href'), abs: a.href,
                    text: (a.textContent || '') + ' ' + (a.getAttribute('title') || '') +
                          ' ' + (a.getAttribute('data-bs-title') || '') + ' ' + a.className}))""")
    page.close()
    return found


_BROWSERS = {}


@pytest.fixture(scope="module")
def visit(server, browser):
    _BROWSERS[id(browser)] = browser
    return lambda name: _visit(name, server, id(browser))


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_console_or_page_errors(visit, name):
    found = visit(name)
    assert not found["page_errors"], found["page_errors"]
    assert not found["console"], found["console"]
    assert not found["failed"], found["failed"]


@pytest.mark.parametrize("name", PAGES)
def test_page_requests_nothing_but_the_site(visit, name):
    assert not visit(name)["foreign"], visit(name)["foreign"]


@pytest.mark.parametrize("name", PAGES)
def test_every_image_loads(visit, name):
    bad = [i["src"] for i in visit(name)["images"] if not i["ok"]]
    assert not bad, bad


@pytest.mark.parametrize("name", PAGES)
def test_every_explorer_responds_to_its_controls(visit, name):
    html = (SITE / f"{name}.html").read_text(encoding="utf-8")
    explorers = visit(name)["explorers"]
    assert len(explorers) == html.count('class="pd-explorer"')
    for ex in explorers:
        moved = [c for c in ex["controls"] if not c.get("skipped")]
        assert moved, f"{ex['id']}: no control can move"
        for c in moved:
            assert c["image_ok"] and not c["missing"], (ex["id"], c)
            assert c["image_changed"] or c["readout_changed"], (ex["id"], c)
        assert any(c["image_changed"] for c in moved), f"{ex['id']}: the image never changed"


def _source_suffix(name):
    for suffix in (".ipynb", ".md"):
        if (SITE / "_sources" / f"{name}{suffix}").exists():
            return suffix
    return None


@pytest.mark.parametrize("name", PAGES)
def test_download_button_offers_the_source(visit, name):
    suffix = _source_suffix(name)
    assert suffix, f"no _sources/{name}.* in the site"
    hrefs = [a["href"] for a in visit(name)["links"]]
    assert f"_sources/{name}{suffix}" in hrefs, hrefs


@pytest.mark.parametrize("name", [p for p in PAGES if (SOURCE / f"{p}.ipynb").exists()])
def test_notebook_pages_have_launch_buttons_and_the_runnable_notebook(visit, name):
    links = {a["abs"] for a in visit(name)["links"]}
    repo = urlsplit(REPO_URL).path.strip("/")
    binder = (f"https://mybinder.org/v2/gh/{repo}/{BRANCH}"
              f"?urlpath=lab/tree/{BOOK_PATH}/{name}.ipynb")
    colab = f"https://colab.research.google.com/github/{repo}/blob/{BRANCH}/{BOOK_PATH}/{name}.ipynb"
    assert binder in links, sorted(link for link in links if "binder" in link)
    assert colab in links, sorted(link for link in links if "colab" in link)
    assert f"{REPO_URL}" in links, "repository button"
    # the download is the source notebook itself: runnable, no outputs, same cells as the source
    downloaded = json.loads((SITE / "_sources" / f"{name}.ipynb").read_text())
    source = json.loads((SOURCE / f"{name}.ipynb").read_text())
    assert downloaded["nbformat"] == 4
    assert downloaded["metadata"]["kernelspec"]["name"] == "python3"
    assert [c["source"] for c in downloaded["cells"]] == [c["source"] for c in source["cells"]]
    assert all(not c.get("outputs") for c in downloaded["cells"] if c["cell_type"] == "code")


def test_favicon_is_served():
    html = (SITE / "index.html").read_text()
    m = re.search(r'<link rel="(?:shortcut )?icon" href="([^"]+)"', html)
    assert m, "no favicon link"
    assert (SITE / m.group(1)).stat().st_size > 0


@pytest.mark.parametrize("name", [p for p in PAGES if 'class="pd-explorer"' in
                                  (SITE / f"{p}.html").read_text(encoding="utf-8")])
def test_explorers_show_their_picture_and_readout_without_javascript(server, browser, name):
    """With JavaScript off (print, feed readers, previews that strip scripts) every explorer still
    shows its start state: the picture decodes and the readout is filled."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/{name}.html", wait_until="load")
    faces = page.locator("div.pd-explorer")
    assert faces.count() > 0
    for i in range(faces.count()):
        face = faces.nth(i)
        img = face.locator("img.pd-image")
        img.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete", arg=img.element_handle(), timeout=10000)
        width = img.evaluate("(img) => img.naturalWidth")
        assert width > 0 and img.get_attribute("src").startswith("data:image/png;base64,"), i
        assert face.locator(".pd-readout").inner_text().strip(), f"{name} explorer {i}: no readout"
    context.close()


AXE = ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_accessibility_violation(server, browser, name, mode):
    """axe-core (npm, installed by scripts/setup.sh dev) on every page, in the book's light and
    dark colour modes; the dark explorers page is kept as a screenshot to look at."""
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: bash scripts/setup.sh dev installs axe-core with npm")
    context = browser.new_context(color_scheme=mode, viewport={"width": 1280, "height": 900})
    context.add_init_script(f"localStorage.setItem('mode', '{mode}')")
    page = context.new_page()
    page.goto(f"{server}/{name}.html", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)
                 .map(n => n.html.slice(0, 160)).join(' | ')); }""")
    # axe leaves text on a colour it cannot resolve "to review"; the explorers' texts are checked
    # here directly: WCAG contrast of every text against the first opaque background behind it
    low = page.evaluate(_CONTRAST_JS)
    if mode == "dark" and 'class="pd-explorer"' in (SITE / f"{name}.html").read_text("utf-8"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("div.pd-explorer").first.screenshot(path=str(SHOTS / f"{name}-dark.png"))
    context.close()
    assert not found, found
    assert not low, low


_CONTRAST_JS = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const back = el => { for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor); if (c.length < 4 || c[3] > 0.9) return c; }
    return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('.pd-explorer .pd-readout *, .pd-explorer .pd-readout,'
                                             + ' .pd-explorer .pd-note, .pd-explorer label')) {
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(back(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 40) + '" ' +
                              ratio.toFixed(2));
  }
  return low; }"""
