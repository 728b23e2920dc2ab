"""English and French: translated pages, a language switch without JavaScript, local formats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def test_french_pages_use_the_compiled_french_catalogue(client, demo):
    page = client.get("/fr/claims/sora-trained-on-video-game-footage/").content.decode()
    assert '<html lang="fr">' in page
    assert 'id="evidence-heading">Preuves <span class="count">' in page
    assert "Historique du verdict" in page
    assert "Citer cette affirmation" in page
    assert "Non vérifiée" in page
    home = client.get("/fr/").content.decode()
    assert "Dernières affirmations" in home and "affirmations publiées" in home


def test_every_string_of_the_french_catalogue_is_translated():
    po = (Path(__file__).resolve().parents[2] / "locale/fr/LC_MESSAGES/django.po").read_text()
    assert "#, fuzzy" not in po
    untranslated = []
    for entry in po.split("\n\n")[1:]:  # the first block is the header
        lines = [line for line in entry.splitlines() if not line.startswith("#")]
        text = "\n".join(lines)
        msgid = text.split("msgstr", 1)[0]
        msgstr = text.split("msgstr", 1)[1] if "msgstr" in text else ""
        if not re.search(r'"[^"\n]+', msgstr.replace('""', "")):
            untranslated.append(msgid)
    assert untranslated == []
    assert (Path(__file__).resolve().parents[2] / "locale/fr/LC_MESSAGES/django.mo").exists()


def test_dates_and_numbers_follow_the_language(client):
    claim = ClaimFactory(slug="c", first_seen=timezone.datetime(2025, 2, 3).date())
    EvidenceFactory.create_batch(2, claim=claim)
    english = client.get("/claims/c/").content.decode()
    french = client.get("/fr/claims/c/").content.decode()
    assert "Feb. 3, 2025" in english
    assert "3 février 2025" in french
    assert "2 preuves" in client.get("/fr/claims/").content.decode()


def test_the_language_of_each_claim_is_named_in_the_readers_language(client):
    ClaimFactory(slug="c", language="fr", statement="Le modèle a appris sur des vidéos.")
    assert "<dd>French</dd>" in client.get("/claims/c/").content.decode()
    assert "<dd>Français</dd>" in client.get("/fr/claims/c/").content.decode()


def test_the_language_switch_is_a_form_that_works_without_javascript(client):
    ClaimFactory(slug="c")
    for page_url, language, target in (
        ("/claims/c/?x=1", "fr", "/fr/claims/c/?x=1"),
        ("/fr/claims/c/", "en", "/claims/c/"),
    ):
        page = client.get(page_url).content.decode()
        assert 'action="/i18n/setlang/" method="post"' in page
        button = re.search(rf'<button type="submit" name="language" value="{language}"[^>]*>', page)
        action = re.search(r'formaction="([^"]+)"', button.group(0)).group(1).replace("&amp;", "&")
        response = client.post(action, {"language": language})
        assert response.status_code == 302
        assert response["Location"] == target


def test_each_page_links_its_other_language_version(client):
    ClaimFactory(slug="c")
    page = client.get("/claims/c/").content.decode()
    assert '<link rel="alternate" hreflang="fr" href="/fr/claims/c/">' in page


def _msgstrs(po: str) -> list[str]:
    """Each entry's translation (its msgstr segments joined), the header left out."""
    found = []
    for entry in po.split("\n\n")[1:]:
        lines = entry.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("msgstr")), None)
        if start is not None:
            found.append("".join(re.findall(r'"(.*)"', "\n".join(lines[start:]))))
    return found


def test_french_puts_a_non_breaking_space_before_colons_and_question_marks():
    """French: U+00A0 before ':', U+202F before ';', '?', '!'. A mark followed by a
    letter or digit (12:30, https://, ?page=2) is not punctuation; "Authorization:" is an
    HTTP header typed as is; a ';' ending an HTML entity (&amp;) is not one either."""
    po = (Path(__file__).resolve().parents[2] / "locale/fr/LC_MESSAGES/django.po").read_text()
    wrong = []
    for text in _msgstrs(po):
        for mark in re.finditer(r"(.)([:;?!])(?=\s|\\n|$|</|»|\))", text):
            before = text[: mark.start() + 1]
            if (
                mark.group(1) in "\u00a0\u202f:;?!"
                or before.endswith("Authorization")
                or (mark.group(2) == ";" and re.search(r"&[A-Za-z0-9#]+$", before))
            ):
                continue
            wrong.append(text)
    assert wrong == []


def test_a_label_and_its_value_are_separated_the_french_way():
    from django.template import Context, Template
    from django.utils import translation

    template = Template('{% load i18n %}{% translate "Archived copy" %}{% translate ":" %} x')
    with translation.override("fr"):
        assert template.render(Context()) == "Copie archivée\u00a0: x"
    with translation.override("en"):
        assert template.render(Context()) == "Archived copy: x"
