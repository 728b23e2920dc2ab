"""A capture browser: Debian's Chromium behind the egress proxy, driven by Playwright.

Safety, in layers:

- Chromium is started by us (not by Playwright) in its own process group,
  with ``PR_SET_PDEATHSIG`` so it dies with the session's thread (and so
  with the worker process), and
  a watchdog kills the whole group when a capture overruns its time limit.
  ``close()`` kills the group too. No Chromium outlives its owner.
- Every connection it makes (pages, subresources, frames, redirects,
  WebSockets) goes through this session's ``EgressProxy``, set on the
  command line with ``--proxy-bypass-list=<-loopback>`` so loopback is not
  bypassed. The proxy resolves and checks every target with
  ``app.lib.netpolicy``; Chromium's own DNS answers never matter. (A
  per-context Playwright proxy is *not* used: measured, Chromium sends
  WebSockets around it.)
- Service workers are blocked per context, WebSockets are closed by a
  Playwright WebSocket route in every frame, and the main document carries
  ``Content-Security-Policy: worker-src 'none'`` so a page cannot start a
  worker to open one either.
- Each capture gets a fresh browser context (no cookies or storage carried
  over), and the main document is served from the bytes the fetch step
  already checked and stored, so the screenshot shows what the WARC holds.

Playwright runs on a thread owned by the session (its sync API is
thread-bound and leaves an event loop behind that makes Django refuse
database calls). ``BrowserProvider`` hands each calling thread a session of
its own and recycles it after ``max_uses`` captures or any failure.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import html
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from app.lib.egress_proxy import EgressProxy, ProxyRecord

log = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    "--mute-audio",
    "--hide-scrollbars",
    # Background work a capture never needs (Playwright passes most of these too).
    "--disable-breakpad",
    "--disable-hang-monitor",
    "--disable-ipc-flooding-protection",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,"
    "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
    "--password-store=basic",
    "--use-mock-keychain",
    "--force-color-profile=srgb",
]
DEVTOOLS = re.compile(r"DevTools listening on (ws://\S+)")
VIEWPORT = {"width": 1280, "height": 900}
# Taller pages are cut here: an endless feed must not produce a 1 GB image.
MAX_SCREENSHOT_HEIGHT = 16_000
MAX_SCREENSHOT_WIDTH = 4_000
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-encoding",
        "content-length",
        "upgrade",
        "te",
        "trailer",
        "proxy-connection",
    }
)
PR_SET_PDEATHSIG = 1


class BrowserUnavailable(Exception):
    """No browser could be started (missing binary, crash at launch)."""


class BrowserTimeout(Exception):
    """The capture overran its time limit; the browser was killed."""


@dataclass
class ProxiedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    at: datetime


@dataclass
class Rendering:
    """What one capture got from the browser."""

    png: bytes
    pdf: bytes
    title: str
    url: str
    responses: list[ProxiedResponse] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    requests: list[ProxyRecord] = field(default_factory=list)
    height_cut: bool = False
    seconds: float = 0.0


def _die_with_parent() -> None:
    """Runs in the child before exec: killed when the launching thread goes away."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class BrowserSession:
    """One Chromium process, its egress proxy and a Playwright connection to it."""

    def __init__(self, executable: str, *, launch_timeout: float = 20.0) -> None:
        self.executable = executable
        self.launch_timeout = launch_timeout
        self.proxy: EgressProxy | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.profile = ""
        self.uses = 0
        self.version = ""
        self._playwright: Any = None
        self._browser: Any = None
        self._responses: list[ProxiedResponse] = []
        self._lock = threading.Lock()
        self.killed = False
        self._endpoint = ""
        # Called with a phase name as each part of a capture ends (bench/browser_profile.py).
        self.on_phase: Callable[[str], None] | None = None
        # One thread per session runs Playwright and launches Chromium (whose
        # PR_SET_PDEATHSIG is tied to that thread).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="capture-browser")

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> BrowserSession:
        if not (os.path.isfile(self.executable) and os.access(self.executable, os.X_OK)):
            raise BrowserUnavailable(f"no browser at {self.executable}")
        try:
            self._call(self._start_in_thread, timeout=self.launch_timeout + 15)
        except BrowserUnavailable:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise BrowserUnavailable(f"browser did not start: {type(exc).__name__}: {exc}") from exc
        return self

    def _call(self, function: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """Run ``function`` on the session's own thread and wait for it.

        Playwright's sync API leaves an asyncio loop on the thread that uses
        it, and Django then refuses database calls there; so Playwright gets
        a thread of its own and the caller's thread stays a plain one.
        """
        return self._executor.submit(function, *args).result(timeout=timeout)

    def _start_in_thread(self) -> None:
        self.proxy = EgressProxy(on_response=self._on_response).start()
        self._launch()
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.connect_over_cdp(
            self._endpoint, timeout=self.launch_timeout * 1000
        )
        self.version = str(self._browser.version)

    def _launch(self) -> None:
        assert self.proxy is not None
        self.profile = tempfile.mkdtemp(prefix="trainedon-chromium-")
        args = [
            self.executable,
            *CHROMIUM_ARGS,
            *self.proxy.chromium_args,
            f"--proxy-server={self.proxy.url}",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed as one
            preexec_fn=_die_with_parent,  # only a prctl call runs before exec
        )
        self._endpoint = self._read_endpoint()

    def _read_endpoint(self) -> str:
        assert self.process is not None and self.process.stderr is not None
        found: list[str] = []
        stderr = self.process.stderr

        def read() -> None:
            for raw in iter(stderr.readline, b""):
                match = DEVTOOLS.search(raw.decode("utf-8", "replace"))
                if match and not found:
                    found.append(match.group(1))
            # Keep draining so Chromium never blocks on a full pipe.

        threading.Thread(target=read, daemon=True, name="chromium-stderr").start()
        deadline = time.monotonic() + self.launch_timeout
        while not found:
            if self.process.poll() is not None:
                raise BrowserUnavailable(f"chromium exited at launch ({self.process.returncode})")
            if time.monotonic() > deadline:
                raise BrowserUnavailable("chromium did not open its DevTools port in time")
            time.sleep(0.02)
        return found[0]

    def kill(self) -> None:
        """Kill Chromium's whole process group now (watchdog and close use this)."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        self.killed = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def close(self) -> None:
        """Close Playwright, kill Chromium's process group, stop the proxy, remove the profile."""
        if self._browser is not None or self._playwright is not None:
            with contextlib.suppress(Exception):
                self._call(self._close_in_thread, timeout=15)
        self.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = ""

    def _close_in_thread(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                if not self.killed:
                    self._browser.close()
            self._browser = None
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                self._playwright.stop()
            self._playwright = None

    @property
    def alive(self) -> bool:
        return (
            self.process is not None
            and self.process.poll() is None
            and self._browser is not None
            and not self.killed
        )

    # -- capturing -----------------------------------------------------------

    def _on_response(
        self, url: str, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        with self._lock:
            self._responses.append(ProxiedResponse(url, status, headers, body, datetime.now(UTC)))

    def render(
        self,
        *,
        url: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        timeout: float,
    ) -> Rendering:
        """Open ``url`` (served from ``body``), screenshot the full page and print it to A4.

        Kills the browser and raises ``BrowserTimeout`` past ``timeout`` seconds.
        """
        assert self.proxy is not None and self._browser is not None
        self.uses += 1
        watchdog = threading.Timer(timeout, self.kill)
        watchdog.daemon = True
        with self._lock:
            self._responses = []
        proxy_seen = len(self.proxy.requests)
        refused_seen = len(self.proxy.refused)
        started = time.monotonic()
        watchdog.start()
        try:
            rendering = self._call(
                self._render, url, status, headers, body, timeout, timeout=timeout + 15
            )
        except FutureTimeout as exc:
            self.kill()
            raise BrowserTimeout(f"the browser step passed {timeout:g} s and was killed") from exc
        except Exception as exc:
            if self.killed:
                raise BrowserTimeout(
                    f"the browser step passed {timeout:g} s and was killed"
                ) from exc
            raise
        finally:
            watchdog.cancel()
        rendering.seconds = time.monotonic() - started
        with self._lock:
            rendering.responses = list(self._responses)
        rendering.requests = self.proxy.requests[proxy_seen:]
        rendering.refused = self.proxy.refused[refused_seen:]
        return rendering

    def _render(
        self, url: str, status: int, headers: list[tuple[str, str]], body: bytes, timeout: float
    ) -> Rendering:
        context = self._browser.new_context(
            service_workers="block",
            accept_downloads=False,
            viewport=VIEWPORT,
            java_script_enabled=True,
        )
        documents = _DocumentRouter(url, status, headers, body, timeout)
        try:
            context.set_default_timeout(timeout * 1000)
            context.route_web_socket(re.compile(".*"), lambda ws: ws.close())
            context.route("**/*", documents.handle)
            page = context.new_page()
            self._phase("context")
            page.goto(url, wait_until="load", timeout=timeout * 1000)
            title = str(page.title())
            self._phase("load")
            png, cut = _full_page_png(context, page)
            self._phase("screenshot")
            pdf = page.pdf(format="A4", print_background=True)
            self._phase("pdf")
            final_url = str(page.url)
        finally:
            with contextlib.suppress(Exception):
                context.close()
            self._phase("close")
        rendering = Rendering(png=png, pdf=pdf, title=title, url=final_url, height_cut=cut)
        rendering.refused.extend(documents.refused)
        return rendering

    def _phase(self, name: str) -> None:
        if self.on_phase is not None:
            self.on_phase(name)


class _DocumentRouter:
    """Serves every document (the page and its frames) itself, so each carries our CSP.

    The page comes from the bytes the fetch step stored; a frame is fetched
    with the safe client, redirects not followed. A frame's redirect is
    answered with a tiny document that refreshes to the target, because
    Chromium would follow a fulfilled 3xx without coming back here (measured)
    and the target would arrive without our CSP. Every other request
    continues to the egress proxy. ``worker-src 'none'`` on each
    document means no script can start a worker, whose WebSockets the
    page-level WebSocket route could not see.
    """

    def __init__(
        self, url: str, status: int, headers: list[tuple[str, str]], body: bytes, timeout: float
    ) -> None:
        self.url, self.status, self.headers, self.body = url, status, headers, body
        self.timeout = timeout
        self.main_served = False
        self.refused: list[tuple[str, int, str]] = []

    def handle(self, route: Any, request: Any) -> None:
        if request.resource_type != "document":
            route.continue_()
            return
        if request.url == self.url and not self.main_served:
            self.main_served = True
            self._fulfil(route, self.status, self.headers, self.body)
            return
        self._frame(route, request.url)

    def _frame(self, route: Any, url: str) -> None:
        from app.lib.http import BlockedAddress, FetchError, fetch

        try:
            result = fetch(url, follow_redirects=False, total_timeout=min(self.timeout, 30))
        except BlockedAddress as exc:
            self.refused.append((exc.host or "", exc.port or 0, exc.reason))
            route.abort("blockedbyclient")
            return
        except FetchError:
            route.abort("failed")
            return
        target = result.hops[-1].redirect_to or result.hops[-1].location
        if result.status in (301, 302, 303, 307, 308) and target:
            location = urljoin(url, target)
            refresh = f'<meta http-equiv="refresh" content="0;url={html.escape(location)}">'
            self._fulfil(route, 200, [("Content-Type", "text/html")], refresh.encode())
            return
        self._fulfil(route, result.status, result.headers, result.body)

    def _fulfil(self, route: Any, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        served = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        served.append(("Content-Security-Policy", "worker-src 'none'"))
        route.fulfill(status=status, headers=_merge(served), body=body)


def _full_page_png(context: Any, page: Any) -> tuple[bytes, bool]:
    """The whole page as PNG, cut at ``MAX_SCREENSHOT_HEIGHT``; (png, was it cut).

    Asks Chromium directly (CDP) for a fast, lightly compressed PNG: this
    halves Chromium's share of the work (measured 0.30 s -> 0.16 s for a
    1280x3500 page), and the step keeps Chromium's compressed rows as they
    are when it writes the address and time on top (``steps.browser.stamp``).
    """
    session = context.new_cdp_session(page)
    try:
        size = session.send("Page.getLayoutMetrics")["cssContentSize"]
        width = max(min(math.ceil(size["width"]), MAX_SCREENSHOT_WIDTH), 1)
        full = max(math.ceil(size["height"]), 1)
        height = min(full, MAX_SCREENSHOT_HEIGHT)
        shot = session.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "optimizeForSpeed": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
    finally:
        with contextlib.suppress(Exception):
            session.detach()
    return base64.b64decode(shot["data"]), full > height


def _merge(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Playwright wants a dict: repeated headers are joined (Set-Cookie by newlines)."""
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in merged:
            merged[key] += ("\n" if key == "set-cookie" else ", ") + value
        else:
            merged[key] = value
    return merged


class BrowserProvider:
    """Lends ``BrowserSession``s, each reused for up to ``max_uses`` captures.

    Without ``pool_size`` each calling thread has a session of its own
    (``max_uses=1`` launches a fresh browser for every capture). With
    ``pool_size=N`` at most N browsers exist, shared by any number of threads:
    ``session()`` takes an idle one (or starts one while fewer than N exist),
    waiting up to ``wait`` seconds for one to come back. Many capture threads
    can then fetch while a few browsers stay busy rendering, instead of one
    browser per thread sitting idle during every fetch. A session is used by
    one capture at a time, and each capture still gets a fresh browser context.

    Give a session back with ``release`` (or ``discard`` after a failure).
    Call ``close()`` (or ``close_current()`` in each thread) when done.
    """

    def __init__(
        self,
        executable: str,
        *,
        max_uses: int = 50,
        pool_size: int | None = None,
        wait: float = 120.0,
    ) -> None:
        self.executable = executable
        self.max_uses = max_uses
        self.pool_size = pool_size
        self.wait = wait
        self._local = threading.local()
        self._all: list[BrowserSession] = []
        self._idle: list[BrowserSession] = []
        self._lent: set[int] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(pool_size) if pool_size else None

    def _usable(self, session: BrowserSession) -> bool:
        return session.alive and session.uses < self.max_uses

    def session(self) -> BrowserSession:
        if self._slots is not None:
            return self._pooled_session(self._slots)
        current: BrowserSession | None = getattr(self._local, "session", None)
        if current is not None and not self._usable(current):
            self.discard(current)
            current = None
        if current is None:
            current = BrowserSession(self.executable).start()
            self._local.session = current
            with self._lock:
                self._all.append(current)
        return current

    def _pooled_session(self, slots: threading.BoundedSemaphore) -> BrowserSession:
        if not slots.acquire(timeout=self.wait):
            raise BrowserUnavailable(f"no browser of the pool came free within {self.wait:g} s")
        try:
            stale = []
            found = None
            with self._lock:
                while self._idle and found is None:
                    candidate = self._idle.pop()
                    if self._usable(candidate):
                        found = candidate
                    else:
                        stale.append(candidate)
                        self._all.remove(candidate)
            for session in stale:
                session.close()
            if found is None:
                found = BrowserSession(self.executable).start()
                with self._lock:
                    self._all.append(found)
            with self._lock:
                self._lent.add(id(found))
            self._local.session = found
            return found
        except BaseException:
            slots.release()
            raise

    def _give_back(self, session: BrowserSession, *, keep: bool) -> None:
        """Pool mode: return the session's slot (once), keeping the session if it is usable."""
        assert self._slots is not None
        with self._lock:
            lent = id(session) in self._lent
            self._lent.discard(id(session))
            kept = keep and self._usable(session) and session in self._all
            if kept:
                self._idle.append(session)
            elif session in self._all:
                self._all.remove(session)
        if not kept:
            session.close()
        if getattr(self._local, "session", None) is session:
            self._local.session = None
        if lent:
            self._slots.release()

    def discard(self, session: BrowserSession) -> None:
        if self._slots is not None:
            self._give_back(session, keep=False)
            return
        session.close()
        if getattr(self._local, "session", None) is session:
            self._local.session = None
        with self._lock:
            if session in self._all:
                self._all.remove(session)

    def release(self, session: BrowserSession) -> None:
        """After a capture: keep the session for the next one, or close it if used up."""
        if self._slots is not None:
            self._give_back(session, keep=True)
            return
        if self.max_uses <= 1 or not self._usable(session):
            self.discard(session)

    def current(self) -> BrowserSession | None:
        """The session this thread holds (or last held), if any."""
        session: BrowserSession | None = getattr(self._local, "session", None)
        return session

    def close_current(self) -> None:
        current = getattr(self._local, "session", None)
        if current is not None:
            self.discard(current)

    def close(self) -> None:
        """Close every session (call from the thread that owns them, or at exit)."""
        with self._lock:
            sessions = list(self._all)
            self._all.clear()
            self._idle.clear()
        for session in sessions:
            session.kill()
            if session.proxy is not None:
                session.proxy.stop()
            if session.profile:
                shutil.rmtree(session.profile, ignore_errors=True)
