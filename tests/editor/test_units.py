"""Small pieces: time codes, file sniffing, the Markdown renderer."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.archive.uploads import sniff
from app.lib.markdown import render_markdown
from app.lib.timecodes import TimecodeError, format_timecode, parse_timecode


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("75", "75"), ("75.5", "75.5"), ("00:12", "12"), ("1:02:03", "3723"),
     ("1:02:03.250", "3723.25"), (" 02:00 ", "120"), ("0", "0")],
)  # fmt: skip
def test_time_codes_read_as_seconds(text: str, seconds: str) -> None:
    assert parse_timecode(text) == Decimal(seconds)


@pytest.mark.parametrize(
    "text", ["", "abc", "1:60", "1:60:00", "-5", "1::2", "1:2:3:4", "9999999", "12 s", "0x10"]
)
def test_bad_time_codes_say_why(text: str) -> None:
    with pytest.raises(TimecodeError):
        parse_timecode(text)


@given(st.decimals(min_value=0, max_value=Decimal("999999.999"), places=3))
def test_formatting_and_reading_a_time_code_round_trips(value: Decimal) -> None:
    assert parse_timecode(format_timecode(value)) == value


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "text/html"),
        (b"<!-- saved --><html lang=en>", "text/html"),
        (b"\x00\x00\x00\x20ftypisom", "video/mp4"),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm",
            "video/webm",
        ),
    ],
)
def test_files_are_typed_by_their_first_bytes(head: bytes, media_type: str) -> None:
    found = sniff(head)
    assert found is not None and found.media_type == media_type


@pytest.mark.parametrize(
    "head", [b"", b"MZ\x90", b"PK\x03\x04", b"GIF89a", b"hello <html>", b"\x1a\x45\xdf\xa3matroska"]
)
def test_other_files_are_not_accepted(head: bytes) -> None:
    assert sniff(head) is None


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://x" onclick="alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
    ],
)
def test_markdown_never_lets_scripts_through(text: str) -> None:
    html = str(render_markdown(text))
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert 'href="javascript' not in html.lower() and 'src="data' not in html
    assert not re.search(r"<[a-z]+[^>]*\son\w+=", html)  # no event handler on any tag


def test_markdown_keeps_the_basics() -> None:
    html = str(render_markdown("# Title\n\n**b** *i* `c`\n\n- one\n- two\n\n[x](https://e.org)"))
    assert "<h3>Title</h3>" in html and "<strong>b</strong>" in html and "<em>i</em>" in html
    assert "<li>one</li>" in html
    assert 'href="https://e.org" rel="nofollow noopener noreferrer ugc"' in html
