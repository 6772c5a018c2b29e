"""Drawing for the receptive explorer and chapter (see pooldemo.plot)."""

__all__ = []
