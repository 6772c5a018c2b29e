"""Matplotlib drawing for the book and the explorers, one module per subject.

Every function takes ``ax=None`` (a new figure is made when it is None), returns the artists it
made so callers can update them cheaply, and never calls ``plt.show()``. No rcParams are changed.
"""

from .maps import *  # noqa: F401,F403
from .maps import __all__ as _maps_all

__all__ = list(_maps_all)
