"""The sections of the EU template for the public summary of training content.

The European Commission's template for providers of general-purpose AI models
(AI Act, Art. 53(1)(d)) has three parts; TrainedOn keeps them exactly, with 2.2
split into its two subsections. Other declarations (model cards, papers, blog
posts, a Hugging Face card's ``datasets:`` and ``base_model``) are filed under
the same codes. Each section lists the structured fields an editor can fill
beside its free text; the editor form is built from this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    name: str
    label: Promise
    kind: str = "text"  # text | lines | date | choice | choices | bool
    choices: tuple[tuple[str, Promise], ...] = ()


@dataclass(frozen=True)
class Section:
    code: str
    title: Promise
    part: Promise
    fields: tuple[Field, ...] = field(default_factory=tuple)


MODALITIES = (
    ("text", _("Text")),
    ("image", _("Images")),
    ("audio", _("Audio")),
    ("video", _("Video")),
)
TEXT_BANDS = (
    ("lt1b", _("less than 1 billion tokens")),
    ("1b_10t", _("1 billion to 10 trillion tokens")),
    ("gt10t", _("more than 10 trillion tokens")),
)
IMAGE_BANDS = (
    ("lt1m", _("less than 1 million images")),
    ("1m_1b", _("1 million to 1 billion images")),
    ("gt1b", _("more than 1 billion images")),
)
HOUR_BANDS = (
    ("lt10k", _("less than 10,000 hours")),
    ("10k_1m", _("10,000 to 1 million hours")),
    ("gt1m", _("more than 1 million hours")),
)
CONTENT_TYPES = (
    ("fiction", _("Fiction")),
    ("non_fiction", _("Non-fiction")),
    ("scientific", _("Scientific text")),
    ("news", _("News")),
    ("code", _("Source code")),
    ("photography", _("Photography")),
    ("visual_art", _("Visual artworks")),
    ("music", _("Music")),
    ("films", _("Films")),
    ("tv", _("TV")),
    ("video_games", _("Video games")),
    ("social_video", _("Social-media videos")),
    ("other", _("Other")),
)
YES_NO = (("", _("Not stated")), ("yes", _("Yes")), ("no", _("No")))

PART_1 = _("1 General information")
PART_2 = _("2 List of data sources")
PART_3 = _("3 Data processing")

SECTIONS: tuple[Section, ...] = (
    Section("1.1", _("Provider identification"), PART_1, (
        Field("provider_name", _("Provider name")),
        Field("contact", _("Contact")),
    )),
    Section("1.2", _("Model identification"), PART_1, (
        Field("model_names", _("Model names and versions (one a line)"), "lines"),
        Field("base_model", _("Dependencies, such as a base model (one a line)"), "lines"),
        Field("placed_on_market", _("Date placed on the EU market"), "date"),
    )),
    Section("1.3", _("Modalities, size and types of content"), PART_1, (
        Field("modalities", _("Modalities"), "choices", MODALITIES),
        Field("text_size", _("Text: training data size"), "choice", (("", _("Not stated")), *TEXT_BANDS)),  # noqa: E501
        Field("image_size", _("Images: training data size"), "choice", (("", _("Not stated")), *IMAGE_BANDS)),  # noqa: E501
        Field("audio_size", _("Audio: training data size"), "choice", (("", _("Not stated")), *HOUR_BANDS)),  # noqa: E501
        Field("video_size", _("Video: training data size"), "choice", (("", _("Not stated")), *HOUR_BANDS)),  # noqa: E501
        Field("content_types", _("Types of content"), "choices", CONTENT_TYPES),
        Field("latest_collection", _("Latest data collection date"), "date"),
        Field("continuous_training", _("Continuous training"), "choice", YES_NO),
        Field("languages", _("Languages (one a line)"), "lines"),
    )),
    Section("2.1", _("Publicly available datasets"), PART_2, (
        Field("datasets", _("Datasets (one a line)"), "lines"),
    )),
    Section("2.2.1", _("Private datasets licensed from rightsholders"), PART_2, (
        Field("datasets", _("Datasets or licensors (one a line)"), "lines"),
    )),
    Section("2.2.2", _("Private datasets from other third parties"), PART_2, (
        Field("datasets", _("Datasets or suppliers (one a line)"), "lines"),
    )),
    Section("2.3", _("Data crawled and scraped"), PART_2, (
        Field("crawlers", _("Crawler names (one a line)"), "lines"),
        Field("purposes", _("Purposes")),
        Field("behaviour", _("Behaviour (robots.txt and the like)")),
        Field("period_start", _("Collection period: from"), "date"),
        Field("period_end", _("Collection period: to"), "date"),
        Field("content_types", _("Types of content"), "choices", CONTENT_TYPES),
        Field("modalities", _("Modalities"), "choices", MODALITIES),
        Field("domains", _("Most relevant domain names (one a line)"), "lines"),
    )),
    Section("2.4", _("User data"), PART_2, (
        Field("used", _("User data used"), "choice", YES_NO),
    )),
    Section("2.5", _("Synthetic data"), PART_2, (
        Field("used", _("Synthetic data used"), "choice", YES_NO),
    )),
    Section("2.6", _("Other sources of data"), PART_2),
    Section("3.1", _("Respect of text-and-data-mining opt-outs (Art. 4(3) CDSM directive)"), PART_3),  # noqa: E501
    Section("3.2", _("Removal of illegal content"), PART_3),
    Section("3.3", _("Other information"), PART_3),
)  # fmt: skip

CODES: tuple[str, ...] = tuple(s.code for s in SECTIONS)
BY_CODE: dict[str, Section] = {s.code: s for s in SECTIONS}
SECTION_CHOICES = [(s.code, format_lazy("{} {}", s.code, s.title)) for s in SECTIONS]


def section_label(code: str) -> str:
    section = BY_CODE.get(code)
    return f"{code} {section.title}" if section else code


def facts(section: Section, data: dict[str, object]) -> list[tuple[Promise, str]]:
    """The structured fields of a stored section as (label, readable value) pairs."""
    out: list[tuple[Promise, str]] = []
    for spec in section.fields:
        value = data.get(spec.name)
        if value in (None, "", []):
            continue
        labels = {code: str(label) for code, label in spec.choices}
        items = value if isinstance(value, list) else [value]
        out.append((spec.label, ", ".join(labels.get(str(v), str(v)) for v in items)))
    return out
