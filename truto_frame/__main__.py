"""``python -m truto_frame``: the same as the ``truto-frame`` command."""

import sys

from .cli import main

sys.exit(main())
