"""``python -m capa_docs`` runs the ``capa`` command."""

import sys

from .cli import main

sys.exit(main())
