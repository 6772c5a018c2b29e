"""Matplotlib drawing for the book and the explorers, one module per subject.

Every function takes ``ax=None`` (a new figure is made when it is None), returns the artists it
made so callers can update them cheaply, and never calls ``plt.show()``. No rcParams are changed.
"""

from . import edges, fabric, maps, receptive, shapes, shift, spread
from .edges import *  # noqa: F401,F403
from .fabric import *  # noqa: F401,F403
from .maps import *  # noqa: F401,F403
from .receptive import *  # noqa: F401,F403
from .shapes import *  # noqa: F401,F403
from .shift import *  # noqa: F401,F403
from .spread import *  # noqa: F401,F403

__all__ = [name for mod in (maps, receptive, fabric, shift, edges, shapes, spread)
           for name in mod.__all__]
