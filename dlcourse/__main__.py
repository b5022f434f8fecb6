"""``python -m dlcourse``: run the lessons (see ``python -m dlcourse --help``)."""

import sys

from dlcourse.lesson import main

sys.exit(main())
