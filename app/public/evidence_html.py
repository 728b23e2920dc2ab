"""The evidence items of a claim page, rendered in Python.

A claim page shows up to a few hundred items, each with a dozen translated
strings, dates and links. Through the template engine that was about 60 % of an
uncached claim page's CPU (bench/web: 33 ms for 50 items). Here the translated
strings are looked up once per page, values are escaped with the standard
library, and each item is a handful of f-strings: the same HTML for a fraction
of the cost. The rare parts (the video of a time-coded item, the link to a
changed source's versions) still come from their template,
``monitor/_evidence_frames.html``.

Each item is a card: what it shows, then its source with the state of its
archived copy in plain words (``app.archive.states.describe_capture``: archived,
partly archived, failed and why, being archived), the capture date, links to the
archived copy and to the original, and the stamped screenshot (or the video's
poster) as a lazy-loaded thumbnail from our own artifact address. A time-coded
item's range is a link to that moment of the archived video (``#t=`` media
fragment).

Everything interpolated is escaped with ``html.escape`` (quotes included), as
Django's autoescape would; tests/public/test_evidence_html.py checks a hostile
item renders inert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, override

from app.archive.states import CaptureState, describe_capture
from app.catalog.choices import EvidenceKind, Grounding, OnlineStatus
from app.lib.timecodes import format_timecode
from app.public.html import Localized, e
from app.public.render import file_url, id_url

if TYPE_CHECKING:
    from app.public.queries import EvidenceView
    from app.public.rows import ArtifactRow, CaptureRow


# The artifacts the frames template (`monitor_tags.evidence_media`) shows.
_MEDIA_KINDS = frozenset({"video", "frame"})


def seconds(value: object) -> str:
    """12, 12.5: a media fragment (``#t=``) wants plain seconds."""
    return f"{float(value):.3f}".rstrip("0").rstrip(".")  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Strings:
    """The translated (and, where marked, escaped) words of an evidence item, per language."""

    kinds: dict[str, str]
    in_video: str
    play_from: str
    where: str
    method: str
    groundings: dict[str, str]
    original: str
    archived_copy: str
    captured: str
    attempted: str
    manifest: str
    record: str
    technical: str
    screenshot_alt: str
    poster_alt: str
    removed_on: str
    removed: str
    copy_from: str
    changed_on: str
    copy_as_cited: str
    report: str


@lru_cache(maxsize=16)
def strings(language: str) -> Strings:
    """Looked up once per process and language: the catalogues do not change while it runs
    (each page used to translate these forty-odd strings again)."""
    with override(language):
        return _strings()


def _strings() -> Strings:
    return Strings(
        kinds={value: e(label) for value, label in EvidenceKind.choices},
        in_video=e(gettext("In the video:")),
        play_from=gettext("Play the archived video from %(start)s"),
        where=e(gettext("Where:")),
        method=e(gettext("Method:")),
        groundings={value: e(label) for value, label in Grounding.choices if value},
        original=e(gettext("original")),
        archived_copy=e(gettext("archived copy")),
        captured=gettext("captured %(date)s"),
        attempted=gettext("last attempt %(date)s"),
        manifest=e(gettext("manifest SHA-256")),
        record=e(gettext("archiving record")),
        technical=e(gettext("Technical detail")),
        screenshot_alt=gettext("Screenshot of the archived page from %(publisher)s"),
        poster_alt=gettext("Still of the archived video from %(publisher)s"),
        removed_on=gettext("The original was removed on %(gone)s."),
        removed=e(gettext("The original has been removed.")),
        copy_from=gettext("The archived copy is from %(date)s."),
        changed_on=gettext("The original changed on %(changed)s, after it was cited here."),
        copy_as_cited=gettext("The archived copy from %(date)s shows it as cited."),
        report=e(gettext("Report a problem")),
    )


@lru_cache(maxsize=512)
def capture_state(
    language: str, status: str | None, error_class: str, error_text: str
) -> CaptureState:
    """``describe_capture`` in ``language``, memoized: pages show few distinct states."""
    with override(language):
        return describe_capture(status, error_class, error_text)


class EvidenceRenderer:
    """Renders the evidence items of one claim page in the active language."""

    def __init__(self, claim_language: str) -> None:
        self.claim_language = e(claim_language)
        self.language = get_language()
        self.s = strings(self.language)
        self._frames = get_template("monitor/_evidence_frames.html")
        self._local = Localized()
        self._source_url = id_url("archive:source")
        self._flag_url = id_url("moderation:flag_evidence")
        self._origin = getattr(settings, "ARTIFACT_ORIGIN", "") or ""
        self._artifact_url = file_url("archive:artifact")
        self._video_url = file_url("monitor:video")
        self._no_media: str | None = None

    def render_all(self, views: Iterable[EvidenceView]) -> SafeString:
        return mark_safe("".join(self.render(view) for view in views))  # noqa: S308 (escaped)

    def state(
        self, status: str | None, error_class: str = "", error_text: str = ""
    ) -> CaptureState:
        """What a capture's status and error mean, in plain words (``describe_capture``)."""
        return capture_state(self.language, status, error_class, error_text)

    def _file_url(self, artifact: ArtifactRow) -> str:
        return self._origin + self._artifact_url(artifact.pk, artifact.name)

    def render(self, view: EvidenceView) -> str:
        item, source, capture = view.item, view.item.source, view.capture
        publisher = e(source.display_publisher)
        video = poster = shot = None
        for artifact in view.artifacts:
            if artifact.kind == "video" and video is None:
                video = artifact
            elif artifact.kind == "thumbnail" and poster is None:
                poster = artifact
            elif artifact.kind == "screenshot" and shot is None:
                shot = artifact
        kind = self.s.kinds.get(item.kind) or e(item.kind)
        parts = [f'<article class="evidence card {e(item.stance)}" id="evidence-{item.pk}">\n']
        # The thumbnail comes first so that a narrow screen can float it beside the text.
        thumb = shot if shot is not None else (poster if video is None else None)
        if thumb is not None and capture is not None:
            alt = self.s.screenshot_alt if thumb is shot else self.s.poster_alt
            alt_text = e(alt % {"publisher": source.display_publisher})
            parts.append(
                f'<a class="ev-thumb" href="{self._source_url(item.source_id)}">'
                f'<img src="{self._file_url(thumb)}" loading="lazy" '
                f'decoding="async" width="240" height="150" alt="{alt_text}"></a>\n'
            )
        parts += [
            f'<div class="ev-body">\n  <p class="ev-kind"><strong class="kind">{kind}</strong>',
        ]
        if item.grounding in self.s.groundings:
            label = self.s.groundings[item.grounding]
            parts.append(f' <span class="grounding {e(item.grounding)}">{label}</span>')
        parts.append(
            f'</p>\n  <p class="ev-summary" lang="{self.claim_language}">{e(item.summary)}</p>\n'
        )
        if item.quote:
            lang = e(source.language) if source.language else self.claim_language
            parts.append(f'  <blockquote lang="{lang}">{e(item.quote)}</blockquote>\n')
        if item.time_start is not None:
            parts.append(self._timerange(item.time_start, item.time_end, video))
        if item.locator:
            parts.append(f'  <p class="meta">{self.s.where} {e(item.locator)}</p>\n')
        if item.method_note:
            parts.append(
                f'  <p class="meta method">{self.s.method} '
                f'<span lang="{self.claim_language}">{e(item.method_note)}</span></p>\n'
            )
        if item.time_start is not None or view.changed_after_citation:
            parts.append(self._media(view, poster))
        parts.append(f'  <p class="source"><span class="publisher">{publisher}</span>')
        if source.title:
            parts.append(f", <cite>{e(source.title)}</cite>")
        if source.published_on:
            iso = source.published_on.isoformat()
            parts.append(
                f', <time datetime="{iso}">{e(self._local.date(source.published_on))}</time>'
            )
        parts.append("</p>\n")
        parts.append(self._capture(view, capture, publisher))
        warning = self._warning(view)
        if warning:
            parts.append(f'  <p class="warning" role="note">{warning}</p>\n')
        parts.append("</div>\n")
        parts.append("</article>\n")
        return "".join(parts)

    def _media(self, view: EvidenceView, poster: ArtifactRow | None) -> str:
        """The item's video and frames (``monitor/_evidence_frames.html``). For an item with
        neither a video nor frames nor a changed source, the template shows nothing that
        depends on the item (it tests those three): its text is rendered once a page."""
        plain = not view.changed_after_citation and not any(
            artifact.kind in _MEDIA_KINDS for artifact in view.artifacts
        )
        if plain and self._no_media is not None:
            return self._no_media
        poster_url = self._file_url(poster) if poster is not None else ""
        html = self._frames.render({"view": view, "poster": poster_url})
        if plain:
            self._no_media = html
        return html

    def _timerange(self, start: object, end: object, video: ArtifactRow | None) -> str:
        span = format_timecode(start)  # type: ignore[arg-type]
        fragment = f"#t={seconds(start)}"
        if end is not None:
            span += "–" + format_timecode(end)  # type: ignore[arg-type]
            fragment += f",{seconds(end)}"
        if video is None:
            shown = f'<span class="timerange">{e(span)}</span>'
        else:
            url = self._video_url(video.pk, video.name) + fragment
            label = e(self.s.play_from % {"start": format_timecode(start)})  # type: ignore[arg-type]
            shown = (
                f'<a class="timerange" href="{e(url)}" title="{label}">{e(span)}'
                f'<span class="visually-hidden"> ({label})</span></a>'
            )
        return f'  <p class="meta">{self.s.in_video} {shown}</p>\n'

    def _capture(self, view: EvidenceView, capture: CaptureRow | None, publisher: str) -> str:
        """The archived copy's state in plain words, its date, and the two links."""
        item = view.item
        hidden = f'<span class="visually-hidden"> ({publisher})</span>'
        record = self._source_url(item.source_id)
        original = (
            f'<a href="{e(item.source.url)}" rel="nofollow noopener noreferrer">'
            f"{self.s.original}{hidden}</a>"
        )
        if capture is not None:
            state = self.state(capture.status, capture.error_class, capture.error_text)
            when = e(self.s.captured % {"date": self._local.date(capture.created_at)})
            iso = capture.created_at.date().isoformat()  # UTC, as stored
            html = (
                f'  <div class="capture capture-{state.key}"><p>'
                f'<span class="capture-state">{e(state.label)}</span> '
                f'<time datetime="{iso}">{when}</time>'
            )
            if capture.manifest_sha256:
                digest = e(capture.manifest_sha256)
                html += (
                    f' <span class="meta">· {self.s.manifest} '
                    f'<code class="hash" title="{digest}">{digest[:16]}…</code></span>'
                )
            html += "</p>\n"
            if state.key != "archived":
                html += f'  <p class="meta">{e(state.explanation)}</p>\n'
            html += (
                f'  <p class="links"><a href="{record}">{self.s.archived_copy}{hidden}</a> · '
                f"{original}"
            )
        else:
            attempt = view.attempt
            state = (
                self.state(attempt.status, attempt.error_class, attempt.error_text)
                if attempt is not None
                else self.state(None)
            )
            html = (
                f'  <div class="capture capture-{state.key}"><p>'
                f'<span class="capture-state">{e(state.label)}</span>'
            )
            if attempt is not None and state.key == "failed":
                when = e(self.s.attempted % {"date": self._local.date(attempt.created_at)})
                html += f' <span class="meta">{when}</span>'
            html += f'</p>\n  <p class="meta">{e(state.explanation)}</p>\n'
            if state.detail:
                html += (
                    f"  <details><summary>{self.s.technical}</summary>"
                    f"<code>{e(state.detail)}</code></details>\n"
                )
            link = (
                f'<a href="{record}">{self.s.record}{hidden}</a> · ' if attempt is not None else ""
            )
            html += f'  <p class="links">{link}{original}'
        flag = self._flag_url(item.pk)
        return (
            f'{html} · <a class="flag-link" rel="nofollow" href="{flag}">{self.s.report}</a></p>\n'
            "  </div>\n"
        )

    def _warning(self, view: EvidenceView) -> str:
        source, capture = view.item.source, view.capture
        copy = ""
        if source.online_status == OnlineStatus.GONE:
            if source.gone_since:
                said = e(self.s.removed_on % {"gone": self._local.date(source.gone_since)})
            else:
                said = self.s.removed
            if capture is not None:
                copy = " " + e(self.s.copy_from % {"date": self._local.date(capture.created_at)})
            return said + copy
        if view.changed_after_citation:
            said = e(self.s.changed_on % {"changed": self._local.date(source.last_changed_at)})  # type: ignore[arg-type]
            if capture is not None:
                copy = " " + e(
                    self.s.copy_as_cited % {"date": self._local.date(capture.created_at)}
                )
            return said + copy
        return ""
