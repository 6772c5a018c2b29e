"""What a chapter needs from its notebook environment, with or without the book's toolchain.

:func:`glue` is myst-nb's ``glue`` when myst-nb is installed (the book build, Binder); elsewhere
(Colab, a plain Jupyter) it shows the value when ``display=True`` and otherwise does nothing, so a
chapter runs top to bottom wherever it is opened. :data:`COLAB_INSTALL` is the package the first,
hidden cell of every chapter installs on Colab only.

Used in: every chapter.
"""

from __future__ import annotations

import sys

__all__ = ["glue", "in_colab", "COLAB_INSTALL"]

#: what the first cell of a chapter installs when it runs on Colab
COLAB_INSTALL = "pooldemo[all] @ git+https://github.com/why-pool/why-pool"


def in_colab():
    """Whether this kernel is a Google Colab runtime."""
    return "google.colab" in sys.modules


def glue(name, variable, display=True):
    """myst-nb's ``glue(name, variable, display)``, or a stand-in without myst-nb.

    The stand-in keeps no value for the book's ``{glue}`` roles (there is no book there): it
    displays ``variable`` if ``display`` is true, like myst-nb does in a notebook.

    Examples
    --------
    >>> glue("answer", 42, display=False)
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty str, got {name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(variable)
        return None
    return myst_glue(name, variable, display=display)
