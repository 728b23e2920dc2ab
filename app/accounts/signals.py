"""Signals the accounts app sends; higher layers (the audit log) listen."""

from __future__ import annotations

from django.dispatch import Signal

# An account entered (or stayed in) the log-in slow-down. Arguments: key
# ("pk:<id>" or "name:<folded name>"), username, failures, wait (seconds), ip.
login_slowed = Signal()
