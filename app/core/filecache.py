"""The embedded default's cache: files under ``DATA_DIR/cache``, shared by every process.

Without Redis, `make run` still runs several processes (the web server, the Celery
worker and its beat, ``manage.py`` commands): a local-memory cache would keep the
page cache's versions and watermarks (app/public/cache.py) in each one's memory,
so a claim withdrawn by the worker or a shell would stay on the web process's
cached page for ``CACHE_PAGE_SECONDS``. Files in one directory are seen by all of
them.

Django's `FileBasedCache` is the base, with what the page cache, the render
queue and the rate limits rely on made true across processes:

- ``add`` is atomic (single-flight locks: ``public.revalidate``, the render queue's
  pending flags, the memo locks): the check and the write happen under an
  exclusive ``flock`` on one of `LOCK_STRIPES` lock files picked by the key, and
  ``set``, ``incr``, ``decr`` and ``touch`` take the same lock, so an ``add``
  never overwrites a value ``set`` meanwhile;
- ``incr``/``decr`` are atomic and keep the entry's expiry (as Redis and the
  local-memory cache do; Django's file cache reset it to the default timeout,
  which shortened hourly rate-limit windows to 5 minutes);
- a reader never deletes an expired file (Django's did, by name, which could
  remove a newer entry another process had just put in its place): expired
  entries are removed by the cull;
- the cull (past ``MAX_ENTRIES`` files) removes expired entries first, then a
  random share of the others, and never an entry stored without expiry: those
  are the page cache's versions and watermark, whose loss would let an old page
  pass for fresh.

Writes go to a temporary file renamed into place, so a reader sees the old or the
new entry, never half of one. Values are pickled, as in every Django cache: the
directory is created private to the deployment's user (mode 0700), and nothing
else writes there.
"""

from __future__ import annotations

import os
import pickle
import random
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

LOCK_STRIPES = 64
_MISSING = object()


class SharedFileCache(FileBasedCache):
    """`FileBasedCache` with atomic ``add``/``incr`` across processes (module doc)."""

    if TYPE_CHECKING:  # FileBasedCache's private members, absent from django-stubs
        _dir: str

        def _createdir(self) -> None: ...
        def _key_to_file(self, key: str, version: int | None = None) -> str: ...
        def _list_cache_files(self) -> list[str]: ...
        def _delete(self, fname: str) -> bool: ...

    def _lock_path(self, fname: str) -> str:
        stripe = int(os.path.basename(fname)[:8], 16) % LOCK_STRIPES
        return os.path.join(self._dir, f"lock-{stripe:02d}")  # not *.djcache: never culled

    @contextmanager
    def _locked(self, fname: str) -> Iterator[None]:
        self._createdir()  # the directory may have been deleted (`make clean`)
        # A new open file description per call: flock excludes other threads too.
        with open(self._lock_path(fname), "ab") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)

    def _read(self, fname: str) -> tuple[float | None, Any]:
        """(expiry, value) of a live entry, else (0, _MISSING)."""
        try:
            with open(fname, "rb") as f:
                try:
                    expiry = pickle.load(f)  # noqa: S301 (our own files: see the module doc)
                except EOFError:
                    return 0, _MISSING
                if expiry is not None and expiry < time.time():
                    return 0, _MISSING
                return expiry, pickle.loads(zlib.decompress(f.read()))  # noqa: S301
        except FileNotFoundError:
            return 0, _MISSING

    def _write(self, fname: str, value: Any, expiry: float | None) -> None:
        self._cull()
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        try:
            with open(fd, "wb") as f:
                f.write(pickle.dumps(expiry, self.pickle_protocol))
                f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
            os.replace(tmp_path, fname)
        except BaseException:
            try:
                os.remove(tmp_path)
            except FileNotFoundError:
                pass
            raise

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        fname = self._key_to_file(key, version)
        with self._locked(fname):
            self._write(fname, value, self.get_backend_timeout(timeout))

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        fname = self._key_to_file(key, version)
        with self._locked(fname):
            if self._read(fname)[1] is not _MISSING:
                return False
            self._write(fname, value, self.get_backend_timeout(timeout))
            return True

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> Any:
        fname = self._key_to_file(key, version)
        with self._locked(fname):
            expiry, value = self._read(fname)
            if value is _MISSING:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            self._write(fname, value, expiry)
            return value

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> Any:
        return self.incr(key, -delta, version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        fname = self._key_to_file(key, version)
        with self._locked(fname):
            value = self._read(fname)[1]
            if value is _MISSING:
                return False
            self._write(fname, value, self.get_backend_timeout(timeout))
            return True

    def _is_expired(self, f: Any) -> bool:
        """Whether the open entry ``f`` has expired (left for the cull to remove)."""
        try:
            expiry = pickle.load(f)  # noqa: S301
        except EOFError:
            return True
        return expiry is not None and expiry < time.time()

    def _header(self, fname: str) -> float | bool | None:
        """An entry's expiry (None: never expires), False when unreadable or gone."""
        try:
            with open(fname, "rb") as f:
                return cast(float | None, pickle.load(f))  # noqa: S301
        except (OSError, EOFError, pickle.UnpicklingError):
            return False

    def _cull(self) -> None:
        filelist = self._list_cache_files()
        if len(filelist) < self._max_entries:
            return
        now = time.time()
        permanent, live = 0, []
        for fname in filelist:
            expiry = self._header(fname)
            if expiry is None:
                permanent += 1  # a version or watermark: never culled
            elif expiry is False:
                continue
            elif expiry < now:
                self._remove(fname, expired_only=True)
            else:
                live.append(fname)
        if permanent + len(live) < self._max_entries:
            return
        share = len(live) if self._cull_frequency == 0 else len(filelist) // self._cull_frequency
        for fname in random.sample(live, min(share, len(live))):
            self._remove(fname, expired_only=False)

    def _remove(self, fname: str, *, expired_only: bool) -> None:
        """Delete another key's entry under its lock, checked again (skipped when that
        lock is busy: never wait for a second lock while holding one)."""
        with open(self._lock_path(fname), "ab") as handle:
            if not locks.lock(handle, locks.LOCK_EX | locks.LOCK_NB):
                return
            try:
                expiry = self._header(fname)
                if expiry is None or expiry is False:
                    return
                if not expired_only or expiry < time.time():
                    self._delete(fname)
            finally:
                locks.unlock(handle)
