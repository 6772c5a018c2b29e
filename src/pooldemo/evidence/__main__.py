"""``python -m pooldemo.evidence``: see :mod:`pooldemo.evidence.run`."""

import sys

from .run import main

sys.exit(main())
