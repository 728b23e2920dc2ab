from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db: None) -> None:
    """The Sora demo case, published, with its sources already archived."""
    call_command("seed_demo")
