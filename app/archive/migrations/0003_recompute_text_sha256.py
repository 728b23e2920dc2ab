"""Captures' ``text_sha256`` recomputed with the one normalization (``app.lib.text``).

Until now the archive hashed the text with whitespace normalized and the link
checker with words case-folded, punctuation dropped and numbers as ``#``; both
now use the latter. The function is copied here so this migration keeps its
meaning if ``app.lib.text`` changes. A text artifact whose file is missing
keeps its old hash.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.core.files.storage import default_storage
from django.db import migrations

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_DIGIT = re.compile(r"\d")
MAX_WORDS = 60_000


def _text_sha256(text: str) -> str:
    words = []
    for raw in text.split():
        token = _NOT_WORD.sub("", raw.casefold())
        if token:
            words.append("#" if _DIGIT.search(token) else token)
            if len(words) >= MAX_WORDS:
                break
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def forwards(apps: Any, schema_editor: Any) -> None:
    Artifact = apps.get_model("archive", "Artifact")
    Capture = apps.get_model("archive", "Capture")
    texts = Artifact.objects.filter(kind="text", capture__text_sha256__gt="").values_list(
        "capture_id", "storage_key"
    )
    for capture_id, key in texts.iterator():
        try:
            with default_storage.open(key, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        Capture.objects.filter(pk=capture_id).update(text_sha256=_text_sha256(text))


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_capture_attempts")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
