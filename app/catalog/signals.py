"""Domain events of the catalog, for the layers built on it.

The catalog may not import the archive (the archive builds on it), yet a new
source must get its first capture in the same transaction that creates it.
So `source_add` sends `source_created` inside its transaction, and the
archive app answers it with a queued capture row (`app.archive.apps`).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the creating transaction, with ``source`` and ``actor``.
source_created = Signal()
