"""The embedded default's file cache keeps the cache's promises across processes.

app/core/filecache.py: ``add`` is the single-flight lock of the page cache and the
render queue, ``incr`` the rate limits' counter; several processes (web, worker,
manage.py) call them on one directory at once.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest

from app.core.filecache import SharedFileCache

ROUNDS = 150
PROCESSES = 4


def cache_in(location: Path, **options: int) -> SharedFileCache:
    return SharedFileCache(str(location), {"OPTIONS": options, "KEY_PREFIX": "t"})


def _add_all(location: str, name: str, start: Any) -> list[str]:
    cache = cache_in(Path(location))
    start.wait()
    return [f"k{i}" for i in range(ROUNDS) if cache.add(f"k{i}", name, 60)]


def _count(location: str, start: Any) -> None:
    cache = cache_in(Path(location))
    start.wait()
    for _ in range(ROUNDS):
        cache.incr("hits")


@pytest.fixture
def processes() -> Any:
    return multiprocessing.get_context("fork")


def test_add_gives_each_key_to_one_process_only(tmp_path, processes):
    start = processes.Manager().Event()
    with processes.Pool(PROCESSES) as pool:
        results = [
            pool.apply_async(_add_all, (str(tmp_path), f"p{n}", start)) for n in range(PROCESSES)
        ]
        start.set()
        won = [key for result in results for key in result.get(timeout=120)]
    assert sorted(won) == sorted(f"k{i}" for i in range(ROUNDS))  # each key won exactly once
    cache = cache_in(tmp_path)
    assert all(cache.get(f"k{i}") is not None for i in range(ROUNDS))


def test_incr_counts_every_hit_of_every_process_and_keeps_the_expiry(tmp_path, processes):
    cache = cache_in(tmp_path)
    cache.set("hits", 0, 3600)
    start = processes.Manager().Event()
    with processes.Pool(PROCESSES) as pool:
        results = [pool.apply_async(_count, (str(tmp_path), start)) for _ in range(PROCESSES)]
        start.set()
        for result in results:
            result.get(timeout=120)
    assert cache.get("hits") == PROCESSES * ROUNDS
    # A rate-limit window of an hour stays an hour (Django's file cache reset it to 300 s).
    cache.set("window", 0, 2)
    cache.incr("window")
    time.sleep(2.2)
    assert cache.get("window") is None
    with pytest.raises(ValueError):
        cache.incr("window")


def test_add_takes_an_expired_key_and_set_wins_over_an_earlier_add(tmp_path):
    cache = cache_in(tmp_path)
    assert cache.add("lock", 1, 1)
    assert not cache.add("lock", 2, 1)
    time.sleep(1.2)
    assert cache.add("lock", 3, 60)
    assert cache.get("lock") == 3
    cache.set("lock", 4, 60)
    assert not cache.add("lock", 5, 60)
    assert cache.get("lock") == 4
    cache.delete("lock")
    assert cache.add("lock", 6, 60)


def test_the_cull_never_removes_an_entry_without_expiry(tmp_path):
    cache = cache_in(tmp_path, MAX_ENTRIES=20, CULL_FREQUENCY=2)
    cache.set("public:version", 1, None)
    cache.set("public:hard", 2, None)
    for i in range(200):
        cache.set(f"page:{i}", "x" * 100, 300)
    assert cache.get("public:version") == 1
    assert cache.get("public:hard") == 2
    assert len(list(tmp_path.glob("*.djcache"))) <= 21
    # Expired entries go first.
    cache.set("old", 1, 1)
    time.sleep(1.2)
    for i in range(200, 230):
        cache.set(f"page:{i}", "x", 300)
    assert not Path(cache._key_to_file("old")).exists()
