"""``python -m aucscape`` runs the command line."""

import sys

from aucscape.cli import main

sys.exit(main())
