"""How to cite a claim page: plain text, APA and BibTeX, and the links to share it.

All three name TrainedOn as the author, the claim's statement as the title, the
verdict, the date of the page's last change and its absolute address (built from
the request's host, see ``app.public.views.site_base``). The strings are plain
text: the template escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from django.utils.translation import gettext

from app.catalog.models import Claim

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# BibTeX's special characters, escaped so the entry compiles whatever the statement says.
_BIBTEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


@dataclass(frozen=True)
class Citations:
    plain: str
    apa: str
    bibtex: str


@dataclass(frozen=True)
class ShareLink:
    name: str
    url: str


def bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX.get(char, char) for char in text)


def citations(claim: Claim, url: str, verdict: str, today: date) -> Citations:
    """The three formats for ``claim`` at ``url``; ``today`` is the access date."""
    updated = claim.updated_at.date()
    statement = claim.statement.strip()
    ended = statement if statement.endswith((".", "?", "!")) else statement + "."
    plain = (
        f"TrainedOn. “{statement}” {gettext('Verdict:')} {verdict}. "
        + gettext("Last updated %(date)s.") % {"date": updated.isoformat()}
        + f" {url}"
    )
    apa = (
        f"TrainedOn. ({updated.year}, {MONTHS[updated.month - 1]} {updated.day}). "
        f"{ended[:-1]} [Claim review: {verdict}]. "
        f"Retrieved {MONTHS[today.month - 1]} {today.day}, {today.year}, from {url}"
    )
    key = "trainedon-" + "".join(c if c.isalnum() else "-" for c in claim.slug)[:60]
    bibtex = "\n".join(
        [
            f"@misc{{{key},",
            "  author = {{TrainedOn}},",
            f"  title = {{{bibtex_escape(statement)}}},",
            f"  year = {{{updated.year}}},",
            f"  month = {BIBTEX_MONTHS[updated.month - 1]},",
            f"  howpublished = {{\\url{{{url}}}}},",
            f"  note = {{Claim review, verdict: {bibtex_escape(verdict)}. "
            f"Accessed {today.isoformat()}}},",
            "}",
        ]
    )
    return Citations(plain, apa, bibtex)


def share_links(url: str, text: str) -> list[ShareLink]:
    """Plain links to share the page: nothing is loaded from these sites until clicked."""
    return [
        ShareLink(
            "Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": f"{text} {url}"})
        ),
        ShareLink("X", "https://x.com/intent/post?" + urlencode({"text": text, "url": url})),
        ShareLink(
            "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})
        ),
        ShareLink(
            gettext("E-mail"),
            f"mailto:?subject={quote(text)}&body={quote(text + chr(10) + url)}",
        ),
    ]
