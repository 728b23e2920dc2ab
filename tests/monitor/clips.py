"""Real video clips made with imageio-ffmpeg's ffmpeg, once per test session, and pages showing them.

Short (4 s) and small (320x240, 25 fps, a keyframe every second) so the
whole video suite stays fast on 2 cores.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SECONDS = 4
WIDTH, HEIGHT = 320, 240
SUBTITLES = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nA blocky game world appears.\n"


def ffmpeg(*args: str) -> None:
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args]
    subprocess.run(command, check=True, timeout=120)


@dataclass(frozen=True)
class Clips:
    root: Path

    @property
    def mp4(self) -> Path:
        return self.root / "clip.mp4"

    def playlist(self, name: str = "hls") -> str:
        return (self.root / name / "index.m3u8").read_text()


def make_clips(root: Path, seconds: int = SECONDS, size: str = f"{WIDTH}x{HEIGHT}") -> Clips:
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size={size}:rate=25", "-f", "lavfi", "-i",
           "sine=frequency=440", "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-shortest",
           "-movflags", "+faststart", str(root / "clip.mp4"))  # fmt: skip
    (root / "hls").mkdir()
    ffmpeg("-i", str(root / "clip.mp4"), "-c", "copy", "-f", "hls", "-hls_time", "1",
           "-hls_playlist_type", "vod", "-hls_segment_filename", str(root / "hls" / "seg%03d.ts"),
           str(root / "hls" / "index.m3u8"))  # fmt: skip
    # A live playlist: the same segments, no #EXT-X-ENDLIST (the stream "goes on").
    (root / "live").mkdir()
    live = [
        line
        for line in (root / "hls" / "index.m3u8").read_text().splitlines()
        if line not in ("#EXT-X-ENDLIST", "#EXT-X-PLAYLIST-TYPE:VOD")
    ]
    (root / "live" / "index.m3u8").write_text("\n".join(live) + "\n")
    for segment in (root / "hls").glob("*.ts"):
        (root / "live" / segment.name).write_bytes(segment.read_bytes())
    (root / "clip.en.vtt").write_text(SUBTITLES)
    # Looks like an MP4 to a server (name, type) but is not one.
    (root / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 64)
    return Clips(root)


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return make_clips(tmp_path_factory.mktemp("clips"))


def video_page(src: str = "/clip.mp4", *, track: bool = True, text: str = "") -> str:
    subtitles = '<track kind="subtitles" srclang="en" label="English" src="/clip.en.vtt">'
    return (
        "<!doctype html><html><head><title>A clip</title></head><body>"
        f'<h1>A clip</h1>{text}<video controls src="{src}">{subtitles if track else ""}</video>'
        "</body></html>"
    )


def og_page(src: str = "/clip.mp4") -> str:
    return (
        "<!doctype html><html><head><title>Shared clip</title>"
        f'<meta property="og:video" content="{src}">'
        '<meta property="og:video:type" content="video/mp4"></head>'
        "<body><p>A shared clip.</p></body></html>"
    )
