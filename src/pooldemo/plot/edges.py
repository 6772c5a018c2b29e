"""Drawing for the edges explorer and chapter (see pooldemo.plot)."""

__all__ = []
