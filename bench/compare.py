"""bench/compare.py: one comparison of a 60 s 720p output against a 30 min 720p source.

1. Makes the footage once (kept in var/bench-compare/, reused while present):
   - source: 30 min, 1280x720, 25 fps, H.264 (ffmpeg from imageio-ffmpeg fed
     raw frames): a camera panning over a large synthetic world, with a hotbar;
   - output: 60 s, 1280x720, 25 fps: 20 s of another world, 20 s of the source
     from 12:30 cropped 2.5 % and rescaled, 20 s of a third world with the
     hotbar redrawn 1.3x larger at the top left.
2. Runs ``app.compare.analysis.run`` in a fresh process, N times (``--runs``):
   the source cited with a range around 12:30, one reference element (the
   hotbar), no controls (they cost like another source each). Prints wall
   time and peak resident memory per stage, the load average before and
   after, and what was found, so a wrong result cannot pass for a fast one.

Targets (issue 18): under 10 minutes end to end, under 1.5 GB of memory.
Numbers are only as quiet as the machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = ROOT / "var" / "bench-compare"
SIZE = (1280, 720)
FPS = 25
SOURCE_SECONDS = 30 * 60
EXCERPT_AT = 750.0  # 12:30
HUD_TIME = 100.0


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def encode(path: Path, frames, seconds: float) -> None:  # type: ignore[no-untyped-def]
    cmd = [
        ffmpeg(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{SIZE[0]}x{SIZE[1]}", "-r", str(FPS), "-i", "-",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-g", str(FPS * 4),
        "-pix_fmt", "yuv420p", str(path),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for i in range(round(seconds * FPS)):
        proc.stdin.write(frames(i / FPS).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit(f"ffmpeg failed for {path}")


def make_footage() -> dict[str, object]:
    import numpy as np
    from PIL import Image

    from tests.compare import synth

    WORK.mkdir(parents=True, exist_ok=True)
    source, output = WORK / "source-30min-720p.mp4", WORK / "output-60s-720p.mp4"
    bar_w, bar_h = synth.HUD_SIZE[0] * 3, synth.HUD_SIZE[1] * 3  # the hotbar at 3x, bottom centre
    hud_box = (int(0.5 * SIZE[0] - bar_w / 2), int(0.95 * SIZE[1] - bar_h / 2), bar_w, bar_h)
    meta = {"source": str(source), "output": str(output), "hud_box": hud_box}
    if source.exists() and output.exists():
        return meta
    started = time.perf_counter()
    src_scene = synth.Scene(
        synth.world(1, 5200, 3400), SIZE, speed=240.0, hud_scale=3.0, hud_at=(0.5, 0.95)
    )
    encode(source, src_scene.frame, SOURCE_SECONDS)
    other = synth.Scene(synth.world(2, 3000, 2000), SIZE, speed=240.0)
    redrawn = synth.Scene(
        synth.world(3, 3000, 2000), SIZE, speed=240.0, hud_scale=3.9, hud_at=(0.35, 0.12)
    )
    excerpt = synth.excerpt(src_scene, EXCERPT_AT, scale=0.9)

    def out_frame(t: float) -> np.ndarray:
        if t < 20:
            return other.frame(t)
        if t < 40:
            return np.asarray(Image.fromarray(excerpt(t - 20)).resize(SIZE))
        return redrawn.frame(t - 40)

    encode(output, out_frame, 60)
    print(f"footage made in {time.perf_counter() - started:.0f} s", flush=True)
    return meta


def run_once(meta: dict[str, object]) -> dict[str, object]:
    """The analysis in a child process, so its peak memory is its own."""
    child = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(meta)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "app.settings"},
    )
    if child.returncode != 0:
        raise SystemExit(child.stderr[-3000:])
    return json.loads(child.stdout.strip().splitlines()[-1])


def child(meta: dict[str, object]) -> None:
    from app.compare import analysis

    started = time.perf_counter()
    box = tuple(meta["hud_box"])  # type: ignore[arg-type]
    outcome = analysis.run(
        analysis.VideoInput(key="output", path=str(meta["output"]), role="output"),
        [
            analysis.VideoInput(
                key="source", path=str(meta["source"]), ranges=((EXCERPT_AT - 15, EXCERPT_AT + 35),)
            )
        ],
        [],
        [
            analysis.ElementInput(
                key="hotbar",
                label="hotbar",
                source_path=str(meta["source"]),
                time=HUD_TIME,
                box=box,  # type: ignore[arg-type]
            )
        ],
    )
    r = outcome.result
    print(
        json.dumps(
            {
                "total_seconds": round(time.perf_counter() - started, 1),
                "stages": r["stages"],
                "segments": r["cited"][0]["segments"],
                "tracks": [t | {"best": None} for e in r["elements"] for t in e["tracks"]],
                "system_rung": r["system_rung"],
                "frames": {"output": r["output"]["frames"], "source": r["cited"][0]["frames"]},
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    meta = make_footage()
    totals, peaks = [], []
    for n in range(args.runs):
        before = os.getloadavg()
        result = run_once(meta)
        after = os.getloadavg()
        print(f"\nrun {n + 1}: load average before {before[0]:.2f}, after {after[0]:.2f}")
        print(f"{'stage':<22} {'seconds':>9} {'peak RSS MB':>12}")
        for row in result["stages"]:  # type: ignore[attr-defined]
            print(f"{row['stage']:<22} {row['seconds']:>9.1f} {row['peak_rss_mb']:>12.1f}")
        print(f"{'total':<22} {result['total_seconds']:>9.1f}")
        print(f"frames sampled: {result['frames']}")
        print(f"segments: {result['segments']}")
        print(f"element tracks: {result['tracks']}")
        print(f"system rung: {result['system_rung']}")
        totals.append(float(result["total_seconds"]))  # type: ignore[arg-type]
        peaks.append(max(r["peak_rss_mb"] for r in result["stages"]))  # type: ignore[attr-defined]
    print(
        f"\nend to end: {min(totals):.0f}-{max(totals):.0f} s over {len(totals)} runs "
        f"(median {statistics.median(totals):.0f} s; target < 600 s); "
        f"peak memory {max(peaks):.0f} MB (target < 1536 MB)"
    )


if __name__ == "__main__":
    main()
