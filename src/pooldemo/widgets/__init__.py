"""The explorers: one module each, all built on :class:`pooldemo.widgets._base.Explorer`."""

from importlib import import_module

_WHERE = {
    "Explorer": "._base",
    "PoolingExplorer": ".pooling",
    "ReceptiveFieldExplorer": ".receptive_field",
    "FabricPoolingExplorer": ".fabric",
    "ShiftExplorer": ".shift",
    "EdgePoolingExplorer": ".edges",
    "ShapeExplorer": ".shapes",
}
__all__ = list(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module 'pooldemo.widgets' has no attribute {name!r}")
