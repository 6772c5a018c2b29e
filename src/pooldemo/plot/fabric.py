"""Drawing for the fabric explorer and chapter (see pooldemo.plot)."""

__all__ = []
