"""`python -m dlcourse`: the `dlcourse` command (see `python -m dlcourse --help`)."""

import sys

from dlcourse.cli import main

sys.exit(main())
