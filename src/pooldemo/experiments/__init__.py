"""Seeded, offline experiments behind the book's chapters (TensorFlow imported inside functions).

Each module declares the runs the book needs (``EVIDENCE_PLAN``) and one run
(``evidence_run(params, seed)``); :mod:`pooldemo.evidence` stores their results. The older entry
points (``train_variant``, ``train_fabric``, ...) run one setting directly and cache it as JSON in
``$POOLDEMO_CACHE/experiments``, for readers who want other settings (full MNIST, more epochs).
"""
