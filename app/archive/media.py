"""Video: yt-dlp as a library behind the egress proxy, PyAV probing, stills and contact sheets.

``download_media(url, workdir=..., limits=...)`` fetches one video into
``workdir`` and returns a ``Download``; failures raise ``MediaFailure`` with
an ``ErrorClass`` value and a sentence for the capture page. The caller owns
``workdir`` and deletes it (nothing partial survives there unrecorded).

Rules, each measured rather than assumed (docs/video-and-monitoring.md):

- Every connection yt-dlp makes (page, playlist, each segment) goes through
  ``EgressProxy``, so the address policy holds; a refused connection ends
  the download as ``blocked_address``. ffmpeg, used for live recordings,
  gets the same proxy (yt-dlp passes ``-http_proxy``).
- The byte and wall-clock caps are enforced here, in the progress hook
  (yt-dlp's ``max_filesize`` skips an oversized direct file silently and is
  not applied to HLS at all). Live recordings go through ffmpeg, whose hook
  only fires at the end: they are bounded by ``-t``/``-fs`` and a watchdog
  that kills this process's ffmpeg children at the deadline.
- Live streams are refused unless ``ARCHIVE_LIVE_RECORD_SECONDS`` > 0; then
  at most that much is recorded and the download is marked partial.
- yt-dlp's info dict is stored without request headers, cookies, local
  paths or the query strings of media addresses (CDN tokens, client IPs).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from app.archive.models import ErrorClass
from app.lib.egress_proxy import EgressProxy

# A stream taller than this is not worth its bytes as evidence; the best format up to it.
MAX_HEIGHT = 1080
FORMAT = f"bv*[height<=?{MAX_HEIGHT}]+ba/b[height<=?{MAX_HEIGHT}]/bv*+ba/b"
# The proxy's own caps sit just above ours so our hook, with its clear message, fires first.
PROXY_SLACK = 1024 * 1024
CONTACT_SHEET_FRAMES = 12
CONTACT_SHEET_COLUMNS = 4
CONTACT_TILE_WIDTH = 320
THUMBNAIL_WIDTH = 640
# Keys of yt-dlp's info dict that hold media addresses (their query strings carry tokens).
MEDIA_URL_KEYS = frozenset({"url", "manifest_url", "fragment_base_url", "thumbnail", "path"})
DROPPED_KEYS = frozenset({"http_headers", "cookies", "filepath", "filename", "requested_downloads"})
EXTENSION_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mov": "video/quicktime",
    ".ts": "video/mp2t",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
}


class MediaFailure(Exception):
    """The video could not be archived; ``error_class`` is an ``ErrorClass`` value."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message


class _Abort(Exception):
    """Raised from the progress hook to stop yt-dlp (it propagates as is)."""

    def __init__(self, failure: MediaFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass(frozen=True)
class MediaLimits:
    max_bytes: int
    max_seconds: float
    time_limit: float
    live_seconds: int

    @classmethod
    def from_settings(cls) -> MediaLimits:
        return cls(
            max_bytes=int(settings.ARCHIVE_MEDIA_MAX_BYTES),
            max_seconds=float(settings.ARCHIVE_MEDIA_MAX_SECONDS),
            time_limit=float(settings.ARCHIVE_MEDIA_TIME_LIMIT),
            live_seconds=int(settings.ARCHIVE_LIVE_RECORD_SECONDS),
        )


@dataclass
class Download:
    path: Path
    info: dict[str, Any]
    subtitles: list[tuple[str, Path]]
    extractor: str
    format_id: str
    live: bool
    partial_reason: str
    seconds: float
    proxy_requests: int
    warnings: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.partial_reason)

    @property
    def media_type(self) -> str:
        return EXTENSION_TYPES.get(self.path.suffix.lower(), "application/octet-stream")


def ytdlp_version() -> str:
    from yt_dlp.version import __version__

    return str(__version__)


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _size(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


# --------------------------------------------------------------------------
# Limits while downloading
# --------------------------------------------------------------------------


class _Guard:
    """The byte and wall-clock caps, checked in yt-dlp's progress hook and by a watchdog."""

    def __init__(self, limits: MediaLimits) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.deadline = self.started + limits.time_limit
        self.expired = threading.Event()
        self.downloaded = 0

    def timeout(self) -> MediaFailure:
        return MediaFailure(
            ErrorClass.TIMEOUT,
            f"the video download passed its time limit of {self.limits.time_limit:g} s "
            "(ARCHIVE_MEDIA_TIME_LIMIT); the partial file was deleted",
        )

    def too_large(self, size: float, *, announced: bool = False) -> MediaFailure:
        how = "announces" if announced else "passed"
        return MediaFailure(
            ErrorClass.TOO_LARGE,
            f"the video {how} {_size(size)}, over the cap of {_size(self.limits.max_bytes)} "
            "(ARCHIVE_MEDIA_MAX_BYTES); the download was stopped and the partial file deleted",
        )

    def hook(self, status: dict[str, Any]) -> None:
        downloaded = float(status.get("downloaded_bytes") or 0)
        self.downloaded = max(self.downloaded, int(downloaded))
        total = status.get("total_bytes")
        if total and float(total) > self.limits.max_bytes:
            raise _Abort(self.too_large(float(total), announced=True))
        if downloaded > self.limits.max_bytes:
            raise _Abort(self.too_large(downloaded))
        if self.expired.is_set() or time.monotonic() > self.deadline:
            raise _Abort(self.timeout())

    @contextmanager
    def watchdog(self) -> Iterator[None]:
        """At the deadline, kill the ffmpeg processes this process started (live recordings)."""

        def fire() -> None:
            self.expired.set()
            _kill_children(ffmpeg_exe())

        timer = threading.Timer(max(self.deadline - time.monotonic(), 0.0), fire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()


def _kill_children(executable: str) -> int:
    """SIGKILL this process's children running ``executable`` (Linux /proc)."""
    me, killed = os.getpid(), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if parent == me and command == executable:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


# --------------------------------------------------------------------------
# yt-dlp
# --------------------------------------------------------------------------


class _Log:
    """yt-dlp's logger: keeps warnings and errors for the step's record."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        self.messages.append(message[:300])

    def error(self, message: str) -> None:
        self.messages.append(message[:300])


def _options(proxy: EgressProxy, workdir: Path, guard: _Guard, log: _Log) -> dict[str, Any]:
    return {
        **proxy.ytdlp_options,
        "logger": log,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "noplaylist": True,
        "playlist_items": "1",
        "format": FORMAT,
        "merge_output_format": "mp4",
        "paths": {"home": str(workdir), "temp": str(workdir)},
        "outtmpl": {"default": "video.%(ext)s", "subtitle": "video.%(ext)s"},
        "ffmpeg_location": ffmpeg_exe(),
        "hls_prefer_native": True,
        "progress_hooks": [guard.hook],
        "writesubtitles": True,
        "subtitleslangs": ["all"],
        "retries": 1,
        "fragment_retries": 1,
        # A segment we may not fetch must fail the download, not leave a silent gap.
        "skip_unavailable_fragments": False,
        "concurrent_fragment_downloads": 1,
        "socket_timeout": float(settings.ARCHIVE_READ_TIMEOUT),
        "http_headers": {"User-Agent": settings.ARCHIVE_USER_AGENT},
        "cachedir": False,
        "overwrites": True,
        "continuedl": False,
        "color": {"stderr": "never", "stdout": "never"},
    }


_HTTP_ERROR = re.compile(r"HTTP Error (\d{3})")


def _failure(exc: Exception, proxy: EgressProxy, log: _Log) -> MediaFailure:
    """What a yt-dlp error means for the archive."""
    refused = proxy.refused
    if refused:
        host, port, reason = refused[0]
        return MediaFailure(
            ErrorClass.BLOCKED_ADDRESS,
            f"the video needs {host}:{port}, which the address policy refuses ({reason}); "
            "nothing was fetched from it",
        )
    text = " ".join(str(exc).replace("ERROR: ", "").split())[:500]
    status = _HTTP_ERROR.search(text)
    if status and status.group(1) in ("404", "410"):
        return MediaFailure(ErrorClass.NOT_FOUND, f"the video is gone: {text}")
    if status and status.group(1) == "429":
        return MediaFailure(ErrorClass.RATE_LIMITED, f"rate limited: {text}")
    if "Unsupported URL" in text:
        return MediaFailure(ErrorClass.UNSUPPORTED, "no playable video was found at this address")
    if "timed out" in text.lower():
        return MediaFailure(ErrorClass.TIMEOUT, f"yt-dlp: {text}")
    return MediaFailure(ErrorClass.MEDIA, f"yt-dlp: {text}")


def _first_entry(info: dict[str, Any]) -> dict[str, Any]:
    if info.get("_type") in ("playlist", "multi_video"):
        entries = [e for e in info.get("entries") or [] if e]
        if not entries:
            raise MediaFailure(ErrorClass.UNSUPPORTED, "the page lists no playable video")
        return dict(entries[0])
    return info


def is_live(info: dict[str, Any]) -> bool:
    return bool(info.get("is_live")) or info.get("live_status") in ("is_live", "is_upcoming")


def preflight(info: dict[str, Any], limits: MediaLimits) -> None:
    """Refuse what must not be downloaded, before a byte of video is fetched."""
    if info.get("live_status") == "is_upcoming":
        raise MediaFailure(ErrorClass.UNSUPPORTED, "the live stream has not started yet")
    if is_live(info) and limits.live_seconds <= 0:
        raise MediaFailure(
            ErrorClass.UNSUPPORTED,
            "this is a live stream; live streams are not recorded "
            "(set ARCHIVE_LIVE_RECORD_SECONDS to record a bounded part)",
        )
    duration = info.get("duration")
    if duration and not is_live(info) and float(duration) > limits.max_seconds:
        raise MediaFailure(
            ErrorClass.TOO_LARGE,
            f"the video lasts {float(duration):.0f} s, over the cap of {limits.max_seconds:.0f} s "
            "(ARCHIVE_MEDIA_MAX_SECONDS); it was not downloaded",
        )
    size = info.get("filesize") or info.get("filesize_approx")
    if size and float(size) > limits.max_bytes:
        raise MediaFailure(
            ErrorClass.TOO_LARGE,
            f"the video announces {_size(float(size))}, over the cap of "
            f"{_size(limits.max_bytes)} (ARCHIVE_MEDIA_MAX_BYTES); it was not downloaded",
        )


def _bound_live(ydl: Any, limits: MediaLimits) -> str:
    """Record a live stream for at most ``live_seconds`` (and the byte cap) with ffmpeg."""
    ydl.params["external_downloader_args"] = {
        "ffmpeg_o": ["-t", str(limits.live_seconds), "-fs", str(limits.max_bytes)]
    }
    return (
        f"live stream: at most the first {limits.live_seconds} s were recorded "
        "(ARCHIVE_LIVE_RECORD_SECONDS)"
    )


def download_media(
    url: str,
    *,
    workdir: Path,
    limits: MediaLimits,
    allow_hosts: list[str] | None = None,
) -> Download:
    """Download the video at ``url`` (a file, an HLS playlist or a page showing one)."""
    import yt_dlp

    guard, log = _Guard(limits), _Log()
    proxy = EgressProxy(
        allow_hosts=allow_hosts,
        total_timeout=limits.time_limit,
        max_response_bytes=limits.max_bytes + PROXY_SLACK,
        max_tunnel_bytes=limits.max_bytes + PROXY_SLACK,
    )
    with proxy, guard.watchdog(), yt_dlp.YoutubeDL(_options(proxy, workdir, guard, log)) as ydl:
        try:
            info = _first_entry(ydl.extract_info(url, download=False, process=True))
            preflight(info, limits)
            partial_reason = _bound_live(ydl, limits) if is_live(info) else ""
            done = ydl.process_ie_result(info, download=True)
        except _Abort as exc:
            raise exc.failure from None
        except MediaFailure:
            raise
        except Exception as exc:  # yt-dlp's DownloadError and friends
            if guard.expired.is_set():
                raise guard.timeout() from exc
            raise _failure(exc, proxy, log) from exc
        requests = len(proxy.requests)
    return _collected(done, workdir, guard, limits, partial_reason, requests, log)


def _collected(
    info: dict[str, Any],
    workdir: Path,
    guard: _Guard,
    limits: MediaLimits,
    partial_reason: str,
    requests: int,
    log: _Log,
) -> Download:
    downloads = info.get("requested_downloads") or []
    path = Path(downloads[0]["filepath"]) if downloads else None
    if path is None or not path.is_file():
        raise MediaFailure(ErrorClass.MEDIA, "yt-dlp finished without producing a video file")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise guard.too_large(size)
    if partial_reason and size >= limits.max_bytes * 0.99:
        partial_reason += "; stopped at the byte cap (ARCHIVE_MEDIA_MAX_BYTES)"
    subtitles = [
        (str(lang), Path(sub["filepath"]))
        for lang, sub in sorted((info.get("requested_subtitles") or {}).items())
        if sub.get("filepath") and Path(sub["filepath"]).is_file()
    ]
    return Download(
        path=path,
        info=sanitize_info(info),
        subtitles=subtitles,
        extractor=str(info.get("extractor_key") or info.get("extractor") or ""),
        format_id=str(info.get("format_id") or ""),
        live=bool(partial_reason),
        partial_reason=partial_reason,
        seconds=round(time.monotonic() - guard.started, 3),
        proxy_requests=requests,
        warnings=log.messages[-10:],
    )


def _strip_query(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        return "[removed]"
    if parts.scheme not in ("http", "https"):
        return value
    host = parts.hostname or ""
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def sanitize_info(info: Any) -> Any:
    """yt-dlp's info dict without secrets: headers, cookies, local paths, media URL queries."""
    if isinstance(info, dict):
        clean: dict[str, Any] = {}
        for key, value in info.items():
            if key.startswith("_") or key in DROPPED_KEYS:
                continue
            if key in MEDIA_URL_KEYS and isinstance(value, str):
                clean[key] = _strip_query(value)
            else:
                clean[key] = sanitize_info(value)
        return clean
    if isinstance(info, list | tuple):
        return [sanitize_info(item) for item in info]
    if isinstance(info, str | int | float | bool) or info is None:
        return info
    return str(info)


def info_json(info: dict[str, Any]) -> bytes:
    return json.dumps(info, sort_keys=True, indent=2, ensure_ascii=False, default=str).encode()


# --------------------------------------------------------------------------
# PyAV: probe, frames, thumbnails, contact sheets
# --------------------------------------------------------------------------

Source = str | Path | IO[bytes]


@dataclass(frozen=True)
class Probe:
    container: str
    duration: float
    video_codec: str
    audio_codec: str
    width: int
    height: int
    frame_rate: float
    bit_rate: int

    def as_metadata(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "duration": round(self.duration, 3),
            "video_codec": self.video_codec,
            "audio_codec": self.audio_codec,
            "width": self.width,
            "height": self.height,
            "frame_rate": round(self.frame_rate, 3),
            "bit_rate": self.bit_rate,
        }


def _open(source: Source) -> Any:
    import av

    try:
        return av.open(source if not isinstance(source, Path) else str(source), mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaFailure(ErrorClass.MEDIA, f"not a readable video file: {exc}") from exc


def _duration(container: Any) -> float:
    if container.duration:
        return float(container.duration) / 1_000_000
    spans = [
        float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base
    ]
    return max(spans, default=0.0)


def probe_media(source: Source) -> Probe:
    """Container, duration, codecs, size and frame rate; ``MediaFailure`` for a broken file."""
    container = _open(source)
    with container:
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        if video is None:
            raise MediaFailure(ErrorClass.MEDIA, "the file holds no video stream")
        rate = video.average_rate or video.guessed_rate or Fraction(0)
        probe = Probe(
            container=str(container.format.name),
            duration=_duration(container),
            video_codec=str(video.codec_context.name),
            audio_codec=str(audio.codec_context.name) if audio is not None else "",
            width=int(video.codec_context.width or 0),
            height=int(video.codec_context.height or 0),
            frame_rate=float(rate),
            bit_rate=int(container.bit_rate or 0),
        )
        _first_frame(container, video)  # a file that probes but cannot decode is broken too
    if probe.width <= 0 or probe.duration <= 0:
        raise MediaFailure(ErrorClass.MEDIA, "the video has no frames or no duration")
    return probe


def _first_frame(container: Any, stream: Any) -> Any:
    import av

    try:
        for frame in container.decode(stream):
            return frame
    except av.FFmpegError as exc:
        raise MediaFailure(ErrorClass.MEDIA, f"the video cannot be decoded: {exc}") from exc
    raise MediaFailure(ErrorClass.MEDIA, "the video stream has no decodable frame")


def grab_frames(source: Source, times: list[float]) -> dict[float, Any]:
    """PIL images of the frames shown at each time (seconds); the last frame past the end."""
    import av

    found: dict[float, Any] = {}
    container = _open(source)
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for wanted in sorted(set(times)):
                found[wanted] = _frame_at(container, stream, wanted).to_image()
        except av.FFmpegError as exc:
            raise MediaFailure(ErrorClass.MEDIA, f"the video cannot be decoded: {exc}") from exc
    return found


def _frame_at(container: Any, stream: Any, seconds: float) -> Any:
    """Seek to the keyframe before ``seconds``, decode up to the frame on screen then."""
    container.seek(max(int(seconds / stream.time_base), 0), stream=stream, backward=True)
    shown = None
    for frame in container.decode(stream):
        if frame.time is not None and frame.time > seconds + 1e-3 and shown is not None:
            break
        shown = frame
    if shown is None:
        raise MediaFailure(ErrorClass.MEDIA, f"no frame could be decoded at {seconds:.3f} s")
    return shown


def png_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def thumbnail(source: Source, duration: float) -> bytes:
    """A JPEG of the frame at a tenth of the video (at most 5 s in), 640 px wide at most."""
    moment = min(duration * 0.1, 5.0)
    image = grab_frames(source, [moment])[moment].convert("RGB")
    image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def sheet_times(duration: float, count: int = CONTACT_SHEET_FRAMES) -> list[float]:
    """``count`` evenly spaced moments, each in the middle of its slice of the video."""
    return [round(duration * (i + 0.5) / count, 3) for i in range(count)]


def contact_sheet(source: Source, duration: float, timecode: Callable[[float], str]) -> bytes:
    """A JPEG grid of evenly spaced frames, each labelled with its time code."""
    from PIL import Image, ImageDraw, ImageFont

    times = sheet_times(duration)
    frames = grab_frames(source, times)
    first = frames[times[0]]
    tile_w = CONTACT_TILE_WIDTH
    tile_h = max(int(first.height * tile_w / max(first.width, 1)), 1)
    rows = -(-len(times) // CONTACT_SHEET_COLUMNS)
    sheet = Image.new("RGB", (tile_w * CONTACT_SHEET_COLUMNS, (tile_h + 22) * rows), (20, 24, 31))
    draw, font = ImageDraw.Draw(sheet), ImageFont.load_default(size=14)
    for index, moment in enumerate(times):
        x = (index % CONTACT_SHEET_COLUMNS) * tile_w
        y = (index // CONTACT_SHEET_COLUMNS) * (tile_h + 22)
        sheet.paste(frames[moment].convert("RGB").resize((tile_w, tile_h)), (x, y))
        draw.text((x + 6, y + tile_h + 3), timecode(moment), fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
