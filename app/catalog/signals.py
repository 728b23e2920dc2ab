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

# Sent by `publication.publication_set` inside its transaction when an item's
# publication state changes, with ``item``, ``before`` and ``after`` (states): the
# page cache must not serve a stale copy of an item that stopped being public.
publication_changed = Signal()
