"""Explorers never crash mid-interaction (GitHub issue 7).

For every explorer in ``pooldemo.widgets.__all__``: each control swept through all its values,
then a seeded random sample of whole states (every combination where the space is small), each
set the way a reader sets it (widget values, ipywidgets clamping included) and followed by
``explorer.last_error is None``. And an exception inside a callback reaches the reader in
``explorer.error.value`` (and ``last_error``), then clears on the next good update.
"""

from __future__ import annotations

import importlib
import itertools
import random
import re
import types

import matplotlib.pyplot as plt
import numpy as np
import pytest

import pooldemo.widgets
from pooldemo.widgets._base import _widget_values

NAMES = [n for n in pooldemo.widgets.__all__ if n != "Explorer"]
MAX_STATES = 20  # random whole states per explorer when the product is larger


def available():
    out = []
    for name in NAMES:
        try:
            out.append(getattr(pooldemo.widgets, name))
        except ImportError:  # a helper's explorer not written yet
            continue
    return out


CLASSES = available()


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


def test_every_agreed_explorer_exists():
    assert [c.__name__ for c in CLASSES] == NAMES


def set_state(ex, values):
    with ex.hold():
        for name, value in values.items():
            ex.controls[name].value = value


def grids(ex):
    return {name: list(_widget_values(control)) for name, control in ex.controls.items()}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_control_value_and_sampled_states(cls, close_figures):
    ex = cls()
    assert ex.last_error is None, ex.last_error
    start = ex.state()
    checked = 0
    for name, values in grids(ex).items():  # one control at a time, through all its values
        for value in values:
            set_state(ex, {name: value})
            assert ex.last_error is None, (name, value, ex.last_error)
            checked += 1
        set_state(ex, {name: start[name]})
    g = grids(ex)
    names = list(g)
    product = int(np.prod([len(v) for v in g.values()]))
    if product <= MAX_STATES:
        combos = list(itertools.product(*(g[n] for n in names)))
    else:
        rng = random.Random(f"{cls.__name__}-7")
        combos = [tuple(rng.choice(g[n]) for n in names) for _ in range(MAX_STATES)]
    for combo in combos:
        values = dict(zip(names, combo))
        set_state(ex, values)
        assert ex.last_error is None, (values, ex.state(), ex.last_error)
        assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"
        checked += 1
    print(f"{cls.__name__}: {checked} states, no error")


def package_functions(module):
    """(namespace, name) of every pooldemo function the explorer's module can reach."""
    found = []
    for value in list(vars(module).values()):
        if isinstance(value, types.ModuleType) and value.__name__.startswith("pooldemo"):
            mods = [value]
            if hasattr(value, "__path__"):  # a package such as pooldemo.plot: its submodules
                mods += [v for v in vars(value).values() if isinstance(v, types.ModuleType)
                         and v.__name__.startswith(value.__name__ + ".")]
            for mod in mods:
                for name in getattr(mod, "__all__", []):
                    obj = getattr(mod, name, None)
                    if isinstance(obj, types.FunctionType):
                        found.append((mod, name))
        elif callable(value) and not isinstance(value, type) and \
                getattr(value, "__module__", "").startswith("pooldemo") and \
                not getattr(value, "__name__", "_").startswith("_"):
            found.append((module, value.__name__))  # package functions, cached ones included
    return found


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_error_in_a_callback_is_shown_not_swallowed(cls, monkeypatch, close_figures):
    ex = cls()
    assert ex.last_error is None and ex.error.value == ""
    module = importlib.import_module(cls.__module__)
    targets = package_functions(module)
    assert targets, f"{cls.__name__} calls no package function"

    def raiser(name):
        def boom(*args, **kwargs):
            raise Boom(f"boom from {name}")
        return boom

    with monkeypatch.context() as m:
        for namespace, name in targets:
            m.setattr(namespace, name, raiser(name))
        name, control = next((n, c) for n, c in ex.controls.items()
                             if len(_widget_values(c)) > 1)
        old = control.value
        control.value = next(v for v in _widget_values(control) if v != old)
        assert isinstance(ex.last_error, Boom), (name, ex.last_error)
        assert "boom from" in ex.error.value and "Boom" in ex.error.value
    control.value = old  # the package works again: the error box clears
    assert ex.last_error is None and ex.error.value == ""


@pytest.mark.parametrize("name,min_size", [("EdgePoolingExplorer", 3), ("ShiftExplorer", 8)])
@pytest.mark.parametrize("image,words", [
    (np.zeros((2, 40)), "image must be at least {n}x{n}, got shape (2, 40)"),
    (np.zeros((9, 9, 2)), "image must be (H, W) or (H, W, 1), got shape (9, 9, 2)"),
    (np.zeros((9,)), "image must be shaped (H, W) or (H, W, C), got shape (9,)"),
    (np.full((9, 9), np.nan), "image must hold finite numbers, got NaN or inf"),
    (np.array([["a"] * 9] * 9), "image must hold real numbers or booleans, got dtype <U1"),
])
def test_a_bad_image_is_named(name, min_size, image, words):
    cls = getattr(pooldemo.widgets, name)
    with pytest.raises((ValueError, TypeError), match=re.escape(words.format(n=min_size))):
        cls(image=image)


def test_an_image_with_one_channel_is_taken_as_a_2d_map():
    from pooldemo._checks import as_image

    x = np.arange(81.0).reshape(9, 9)
    np.testing.assert_array_equal(as_image(x[..., None]), x)
    assert as_image(x.astype(np.uint8)).dtype == float
