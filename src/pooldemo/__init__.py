"""pooldemo: exact pooling and receptive-field math, models, plots and explorers for "Why pool?".

``import pooldemo`` loads only numpy. The pooling and receptive-field functions are available at
the top level; plotting (matplotlib), explorers (ipywidgets) and models (TensorFlow) load on first
use.
"""

import sys
from importlib import import_module

from . import receptive
from .pooling import (
    global_pool,
    max_pool_gradient,
    pool2d,
    pool_argmax,
    pool_output_size,
    pool_tie_counts,
)
from .receptive import (
    LayerSpec,
    effective_receptive_field,
    empirical_receptive_field,
    receptive_field,
    specs,
    unit_box,
)

# `import pooldemo.specs` gives the module pooldemo.receptive.specs (one home, two names)
sys.modules[__name__ + ".specs"] = specs

__version__ = "0.1.0"

#: spec factories renamed to pooldemo.specs.* (Keras's names); kept for one release
_DEPRECATED = ("conv", "pool", "zero_pad", "global_pool_layer", "flatten")

# name -> module that defines it, imported on first access (PEP 562)
_LAZY = {
    "PoolingExplorer": ".widgets.pooling",
    "ReceptiveFieldExplorer": ".widgets.receptive_field",
    "FabricPoolingExplorer": ".widgets.fabric",
    "ShiftExplorer": ".widgets.shift",
    "EdgePoolingExplorer": ".widgets.edges",
    "ShapeExplorer": ".widgets.shapes",
    "load_mnist": ".data",
    "digit": ".data",
}
_SUBMODULES = ("pooling", "receptive", "data", "models", "plot", "fabric", "widgets",
               "experiments", "shift", "edges", "shapes")

__all__ = [
    "pool2d", "global_pool", "pool_output_size", "pool_argmax", "pool_tie_counts",
    "max_pool_gradient", "receptive_field", "unit_box", "LayerSpec", "specs", "receptive",
    "empirical_receptive_field", "effective_receptive_field", *_LAZY,
]


def __getattr__(name):
    if name in _DEPRECATED:  # old spec names: they warn when called
        return getattr(import_module(".receptive._deprecated", __name__), name)
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'pooldemo' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
