"""``python -m pytest_agenttrace`` runs the ``agenttrace`` command line."""

import sys

from .cli import main

sys.exit(main())
