"""``python -m truto_frame``: the same as the ``truto-frame`` command."""

import sys

from .ui.cli import main

sys.exit(main())
