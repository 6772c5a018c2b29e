"""Drawing for the shapes explorer and chapter (see pooldemo.plot)."""

__all__ = []
