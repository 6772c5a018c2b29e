"""Seeded, offline experiments behind the book's chapters (TensorFlow imported inside functions).

Results are cached as JSON in ``$POOLDEMO_CACHE/experiments`` (the build script points
``POOLDEMO_CACHE`` into ``book/_build``, so a fresh build recomputes everything).
"""
