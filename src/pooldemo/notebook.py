"""What a chapter needs from its notebook environment, with or without the book's toolchain.

:func:`setup` is the first line of every chapter: TensorFlow's C++ log lines off (before
TensorFlow loads) and matplotlib figures inline.
:func:`glue` is myst-nb's ``glue`` when myst-nb is installed (the book build, Binder); elsewhere
(Colab, a plain Jupyter) it shows the value when ``display=True`` and otherwise does nothing, so a
chapter runs top to bottom wherever it is opened. :data:`COLAB_INSTALL` is the package the first,
hidden cell of every chapter installs on Colab only.

Used in: every chapter.
"""

from __future__ import annotations

import os
import sys

__all__ = ["setup", "glue", "in_colab", "COLAB_INSTALL", "TF_LOG_LEVEL"]

#: TensorFlow's C++ log level in the chapters: "3" shows errors only (no oneDNN or tf.data notices)
TF_LOG_LEVEL = "3"

#: what the first cell of a chapter installs when it runs on Colab
COLAB_INSTALL = "pooldemo[all] @ git+https://github.com/why-pool/why-pool"


def setup():
    """Prepare a chapter's kernel: TensorFlow's C++ logs off and matplotlib figures inline.

    Call it before anything imports TensorFlow (the log level is read when TensorFlow loads).
    Outside a Jupyter kernel only the log level is set.

    Examples
    --------
    >>> setup(); os.environ["TF_CPP_MIN_LOG_LEVEL"]
    '3'
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = TF_LOG_LEVEL
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if getattr(shell, "kernel", None) is not None:  # a Jupyter kernel (not a terminal IPython)
        shell.run_line_magic("matplotlib", "inline")


def in_colab():
    """Whether this kernel is a Google Colab runtime."""
    return "google.colab" in sys.modules


def glue(name, variable, display=True):
    """myst-nb's ``glue(name, variable, display)``, or a stand-in without myst-nb.

    The stand-in keeps no value for the book's ``{glue}`` roles (there is no book there): it
    displays ``variable`` if ``display`` is true, like myst-nb does in a notebook. A numpy scalar
    is glued as the Python number it holds (myst-nb formats ``{glue:text}`x:.1f``` only for those).

    Examples
    --------
    >>> glue("answer", 42, display=False)
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty str, got {name!r}")
    if type(variable).__module__ == "numpy" and hasattr(variable, "item") \
            and getattr(variable, "ndim", None) == 0:
        variable = variable.item()  # a numpy scalar as a Python number: the roles can format it
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(variable)
        return None
    return myst_glue(name, variable, display=display)
