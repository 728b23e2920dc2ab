"""The fixed wording ladder: what a comparison may say, assigned by the system.

Five rungs, from "nothing found" to "near-duplicate frames". The analysis
sets the highest rung its measurements support (``system_rung``); an editor
may only lower it (``check_lowering``), never raise it. "Resembles the style"
is a human judgement: the system never assigns it; an editor may lower a
finding to it.

System text never says "copied", "stolen" or "trained on this video": a
resemblance is measured, and what it does not show is said beside it (see
``DOES_NOT_SHOW``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Rung(models.IntegerChoices):
    NONE = 0, _("No resemblance found by this method")
    STYLE = 1, _("Resembles the style (human judgement)")
    CHARACTERISTIC = 2, _("Reproduces an interface element characteristic of the game")
    REGION = 3, _("A region closely matches the cited video")
    NEAR_DUPLICATE = 4, _("Near-duplicate frames")


# What a reader must always be told beside any rung.
DOES_NOT_SHOW = (
    _("which copy of the footage a model was trained on, or whether it was trained on it at all;"),
    _("whether the footage was obtained lawfully;"),
    _("how often the model produces this beyond the attempts counted here;"),
    _("a legal finding of any kind."),
)


def timecode(seconds: float) -> str:
    """12:30, or 1:02:03 past an hour; a tenth is shown when it is not zero."""
    tenths = round(seconds * 10)
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
    return f"{text}.{tenth}" if tenth else text


def wording(rung: int, finding: dict[str, Any] | None = None) -> str:
    """The sentence for a rung, with the time codes of the finding that earned it."""
    finding = finding or {}
    if rung == Rung.NEAR_DUPLICATE and "output_start" in finding and "source_end" in finding:
        return gettext(
            "Frames %(out_start)s–%(out_end)s are near-duplicates of %(src_start)s–%(src_end)s "
            "of the cited video."
        ) % {
            "out_start": timecode(finding["output_start"]),
            "out_end": timecode(finding["output_end"]),
            "src_start": timecode(finding["source_start"]),
            "src_end": timecode(finding["source_end"]),
        }
    at = finding.get("source_time", finding.get("source_start"))
    if rung == Rung.REGION and at is not None:
        return gettext("A region closely matches the cited video at %(time)s.") % {
            "time": timecode(at)
        }
    if rung == Rung.CHARACTERISTIC:
        return gettext("Reproduces an interface element characteristic of the game.")
    if rung == Rung.STYLE:
        return gettext("Resembles the style (human judgement, not a measurement).")
    return gettext(
        "No resemblance found by this method (this does not show the footage was not used)."
    )


class LoweringRefused(ValueError):
    """An editor tried to raise the rung above what the system measured."""


def check_lowering(system: int, chosen: int | None) -> int:
    """The rung shown: the system's, or an editor's lower one; raising is refused."""
    if chosen is None:
        return system
    if chosen not in Rung.values:
        raise LoweringRefused(gettext("Unknown rung."))
    if chosen > system:
        raise LoweringRefused(
            gettext("An editor may only lower the wording the system assigned, not raise it.")
        )
    return chosen


def system_rung(result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The highest rung the analysis supports, and the finding behind it.

    - near-duplicate: a tier-A segment against a cited video, and no control
      gave a segment (else the hashes match footage the claim does not cite,
      and the segment proves nothing);
    - region: an element track whose element was found in no same-genre
      control, at least one same-genre control having been searched;
    - characteristic of the game: an element track, but the element also
      appears in same-genre footage, or no same-genre control was searched
      (then it cannot be told apart from the game's own interface);
    - an element also found in unrelated footage is a false match of this
      method: it earns nothing.
    """
    controls = result.get("controls", [])
    control_segments = any(c.get("segments") for c in controls)
    segments = [s for cited in result.get("cited", []) for s in cited.get("segments", [])]
    if segments and not control_segments:
        best = max(segments, key=lambda s: (s["pairs"], s["similarity"]))
        return Rung.NEAR_DUPLICATE, best
    same_genre = [c for c in controls if c.get("role") == "same_genre"]
    best_rung, best_finding = int(Rung.NONE), {}
    for element in result.get("elements", []):
        if not element.get("tracks"):
            continue
        key = element["key"]
        if any(key in c.get("element_hits", {}) for c in controls if c.get("role") == "unrelated"):
            continue
        in_genre = any(key in c.get("element_hits", {}) for c in same_genre)
        rung = Rung.CHARACTERISTIC if in_genre or not same_genre else Rung.REGION
        if rung > best_rung:
            track = max(element["tracks"], key=lambda t: t["best"]["ncc"] * t["best"]["ssim"])
            best_rung = int(rung)
            best_finding = {
                "element": key,
                "label": element.get("label", ""),
                "output_time": track["best"]["t"],
                "source_time": element["source_time"],
                "output_start": track["start"],
                "output_end": track["end"],
            }
    return best_rung, best_finding
