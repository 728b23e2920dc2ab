"""Content-addressed writes (app.archive.storage)."""

from __future__ import annotations

from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from app.archive.storage import put_file, sha256_bytes


class LateStorage(FileSystemStorage):
    """Another writer stores the same bytes between this one's exists() and save().

    Two media captures of one video write the same thumbnail at the same moment:
    both see no file, the second save() finds the first's and renames its own."""

    def __init__(self, location: Path, other: bytes) -> None:
        super().__init__(location=str(location))
        self.other = other

    def exists(self, name: str) -> bool:
        if self.other and not super().exists(name):
            FileSystemStorage(location=self.location).save(name, ContentFile(self.other))
            self.other = b""
            return False
        return super().exists(name)


def test_the_same_bytes_written_at_once_by_two_captures_are_one_file(tmp_path: Path) -> None:
    data = b"\xff\xd8 a thumbnail both captures made \xff\xd9"
    storage = LateStorage(tmp_path, other=data)

    stored = put_file(name="thumbnail.jpg", data=data, storage=storage)

    assert stored.sha256 == sha256_bytes(data)
    assert storage.open(stored.storage_key).read() == data
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [
        Path(stored.storage_key).name
    ]  # the loser's renamed copy is gone


def test_a_file_from_a_path_written_at_once_by_two_captures_is_one_file(tmp_path: Path) -> None:
    data = b"\x00\x00\x00\x18ftypmp42 a video both captures downloaded"
    source = tmp_path / "download.mp4"
    source.write_bytes(data)
    store = tmp_path / "store"
    storage = LateStorage(store, other=data)

    stored = put_file(name="video.mp4", path=str(source), storage=storage)

    assert storage.open(stored.storage_key).read() == data
    assert len([p for p in store.rglob("*") if p.is_file()]) == 1
