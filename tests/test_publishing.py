"""Publishing: the Pages workflow runs the README's build command; Binder's files agree."""

import re

import yaml
from conftest import BOOK, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def _readme_build_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    build = [c for c in commands if "build" in c and "book" in c]
    assert build, "README's first bash block names no build command"
    return build[0]


def _steps():
    wf = yaml.safe_load(WORKFLOW.read_text())
    return wf, [step for job in wf["jobs"].values() for step in job.get("steps", [])]


def test_workflow_runs_the_readme_build_command():
    command = _readme_build_command()
    assert command == "bash scripts/build-book.sh"
    _, steps = _steps()
    runs = [step.get("run", "") for step in steps]
    assert any(command in r.splitlines() for r in runs), runs


def test_workflow_uploads_and_deploys_the_built_html():
    wf, steps = _steps()
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert [s["with"]["path"] for s in uploads] == ["book/_build/html"]
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in steps)
    # yaml reads the bare key `on` as True
    triggers = wf.get("on", wf.get(True))
    assert "main" in triggers["push"]["branches"]
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"
    # the build comes before the upload, in the same job
    build_job = next(j for j in wf["jobs"].values()
                     if any(s in j.get("steps", []) for s in uploads))
    names = [s.get("run", s.get("uses", "")) for s in build_job["steps"]]
    assert names.index(_readme_build_command()) < names.index(uploads[0]["uses"])


def test_workflow_python_matches_runtime_txt():
    runtime = (ROOT / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    _, steps = _steps()
    versions = [str(s["with"]["python-version"]) for s in steps
                if s.get("uses", "").startswith("actions/setup-python@")]
    assert versions == [runtime.removeprefix("python-")]


def test_binder_requirements_install_the_package_and_jupyter_book_1():
    lines = [line.split("#")[0].strip()
             for line in (ROOT / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line]
    assert lines[-1] == "-e .", "repo2docker installs local references last"
    jb = [line for line in lines if re.match(r"jupyter-book\b", line)]
    assert len(jb) == 1
    spec = jb[0].removeprefix("jupyter-book").replace(" ", "")
    m = re.fullmatch(r"==(1\.[\d.]+(?:\.post\d+)?)|>=1[\d.]*,<2(?:\.0)*", spec)
    assert m, f"jupyter-book must stay on 1.x, got {jb[0]!r}"
    assert not (ROOT / "binder").exists(), "a binder/ folder would hide the root files"


def test_launch_buttons_are_configured_once():
    cfg = yaml.safe_load((BOOK / "_config.yml").read_text())
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", cfg["repository"]["url"])
    assert cfg["repository"]["path_to_book"] == "book"
    buttons = cfg["launch_buttons"]
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert buttons["colab_url"] == "https://colab.research.google.com"
    html_cfg = cfg["sphinx"]["config"]
    assert "_static" not in html_cfg["html_static_path"]
    assert not (BOOK / "_static").exists()
    assert (BOOK / html_cfg["html_favicon"]).is_file()


def _readme_blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def _chapter_colab_cells():
    import json

    cells = {}
    for path in sorted(BOOK.glob("*.ipynb")):
        code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        cells[path.stem] = code[0]
    return cells


def test_install_lines_use_the_configured_repository():
    """README's own-notebook install, every chapter's Colab cell and pooldemo.notebook agree."""
    from pooldemo.notebook import COLAB_INSTALL

    url = yaml.safe_load((BOOK / "_config.yml").read_text())["repository"]["url"]
    text = (ROOT / "README.md").read_text()
    installs = re.findall(r"pip install[^\n]*git\+(\S+?)\"", text)
    for cell in _chapter_colab_cells().values():
        installs += re.findall(r"git\+(\S+?)\"", "".join(cell["source"]))
    assert len(installs) >= 1 + len(_chapter_colab_cells()), installs
    assert set(installs) == {url}
    assert COLAB_INSTALL == f"pooldemo[all] @ git+{url}"


def test_readme_explorer_snippet_runs():
    snippet = [b for b in _readme_blocks("python") if "Explorer(" in b]
    assert snippet, "README shows how to use an explorer"
    import ast

    tree = ast.parse(snippet[0])
    last = tree.body.pop()
    assert isinstance(last, ast.Expr), "the snippet ends with the explorer, displayed"
    namespace = {}
    exec(compile(tree, "README.md", "exec"), namespace)  # noqa: S102 -- our own README
    explorer = eval(compile(ast.Expression(last.value), "README.md", "eval"), namespace)
    assert type(explorer).__name__.endswith("Explorer")
    assert explorer.last_error is None
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.pyplot as plt

    plt.close(explorer.figure)


def test_every_chapter_installs_pooldemo_on_colab_only_in_a_hidden_first_cell():
    url = yaml.safe_load((BOOK / "_config.yml").read_text())["repository"]["url"]
    for name, cell in _chapter_colab_cells().items():
        src = "".join(cell["source"])
        assert f'install -q "pooldemo[all] @ git+{url}"' in src, name
        assert 'if "google.colab" in sys.modules:' in src, name
        assert "remove-cell" in cell["metadata"].get("tags", []), name


def test_every_chapter_sets_up_with_one_line():
    """The chapters' common set-up is pooldemo.notebook.setup(), not copies of it."""
    import json

    for path in sorted(BOOK.glob("*.ipynb")):
        codes = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        src = "".join(codes[1]["source"])
        assert src.startswith("from pooldemo.notebook import glue, setup\nsetup()\n"), path.name
        every = "\n".join("".join(c["source"]) for c in codes)
        for copy in ("TF_CPP_MIN_LOG_LEVEL", "%matplotlib inline"):
            assert copy not in every, (path.name, copy)


def test_one_version_everywhere():
    """The package, its metadata, CITATION.cff and the preface's cite block agree."""
    import re

    import pooldemo

    v = pooldemo.__version__
    assert f"version: {v}" in (ROOT / "CITATION.cff").read_text()
    assert f"Version {v};" in (ROOT / "book" / "index.md").read_text()
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()
    assert re.fullmatch(r"\d+\.\d+\.\d+", v)


def test_installs_are_locked_and_the_lock_is_what_is_installed():
    """requirements.txt (Binder, setup.sh, .ci/run) applies requirements.lock, which pins every
    package exactly; this environment, made by scripts/setup.sh, holds exactly those versions."""
    from importlib import metadata

    req = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^-c requirements\.lock\b", req, re.M)
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    for top in ("jupyter-book", "tensorflow-cpu", "keras", "numpy", "numba", "matplotlib",
                "ipywidgets", "mlxtend", "tqdm", "pytest", "playwright"):
        assert top in pins, top
    wrong = {n: (v, metadata.version(n)) for n, v in pins.items() if metadata.version(n) != v}
    assert not wrong, wrong
