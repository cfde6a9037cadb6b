"""`python -m forecast` runs the command-line interface."""

import sys

from forecast.cli.app import main

sys.exit(main())
