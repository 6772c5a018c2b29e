"""The built book: every chapter in _toc.yml executed without error and is in the HTML."""

import json

import pytest
import yaml
from conftest import BOOK, HTML


def toc_files():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part["chapters"]:
            files.append(chapter["file"])
            files += [s["file"] for s in chapter.get("sections", [])]
    return files


def notebooks():
    return [f for f in toc_files() if (BOOK / f"{f}.ipynb").exists()]


def test_book_was_built():
    assert (HTML / "index.html").exists(), "run scripts/build-book.sh first (scripts/test.sh does)"
    for f in toc_files():
        assert (HTML / f"{f}.html").exists(), f


@pytest.mark.parametrize("name", notebooks())
def test_chapter_executed_without_errors(name):
    executed = BOOK / "_build" / "jupyter_execute" / f"{name}.ipynb"
    nb = json.loads(executed.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), "every code cell ran"
    for cell in code:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", "".join(cell["source"])
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), out["text"]


@pytest.mark.parametrize("name", [n for n in notebooks() if n not in ("index", "explorers")])
def test_chapter_has_short_answer_and_exercises(name):
    nb = json.loads((BOOK / f"{name}.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "Short answer" in text
    assert text.count("Exercise") >= 2
    assert ":class: dropdown" in text or "hide-cell" in json.dumps(nb), "hidden solutions"


@pytest.mark.parametrize("name", notebooks())
def test_source_notebooks_are_stripped(name):
    nb = json.loads((BOOK / f"{name}.ipynb").read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, \
                f"{name}: commit notebooks without outputs"


def test_no_external_scripts_in_pages():
    for page in HTML.glob("*.html"):
        html = page.read_text()
        for marker in ('src="http', "src='http", 'href="https://cdn', "cdn.jsdelivr", "unpkg.com"):
            assert marker not in html, f"{page.name} loads {marker}"
