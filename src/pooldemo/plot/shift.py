"""Drawing for the shift explorer and chapter (see pooldemo.plot)."""

__all__ = []
