"""Fragments rendered once per language (app/public/fragments.py): the same HTML as
rendering every time, in English and French, never a reader's own links in the shared
text, and a page that still follows every change of what it shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client, override_settings
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.translation import get_language

from app.archive.models import CaptureStatus
from app.catalog.choices import OnlineStatus
from app.public import fragments, render
from app.public.templatetags import public_tags
from tests.factories import CaptureFactory
from tests.public.claim_world import archived_item, make_claim_world

pytestmark = pytest.mark.django_db

URL = "/claims/vidgen-blockcraft-footage/"
TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def empty_fragments(settings: Any) -> Iterator[None]:
    settings.CACHE_PAGE_SECONDS = 0  # every request renders: no page comes from the cache
    fragments.clear()
    render.markdown.cache_clear()
    public_tags._plain_words.cache_clear()
    yield
    fragments.clear()


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    # Each response carries a freshly masked CSRF token: the one part that may differ.
    return TOKEN.sub(r"\1TOKEN", response.content.decode())


def rendered_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fragments, "fragment", lambda _id, draw, _where=None: draw())
    monkeypatch.setattr(
        fragments,
        "language_choices",
        lambda path: fragments._language_choices(path, get_language()),
    )
    monkeypatch.setattr(render, "markdown", render.markdown.__wrapped__)
    monkeypatch.setattr(public_tags, "_plain_words", public_tags._plain_words.__wrapped__)


@pytest.mark.parametrize("url", [URL, "/fr" + URL, "/", "/fr/", "/claims/?q=toolbar"])
def test_pages_are_the_same_with_fragments_cold_and_warm(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    make_claim_world(extra=2)
    client = Client()
    other = "/fr" + URL if not url.startswith("/fr") else URL
    with monkeypatch.context() as plain:
        rendered_every_time(plain)
        expected = page(client, url)
    cold = page(client, url)
    page(client, other)  # the other language's fragments are stored beside them
    warm = page(client, url)
    assert cold == expected
    assert warm == expected
    assert ('lang="fr"' in warm.split(">", 2)[1]) == url.startswith("/fr")


def test_a_signed_in_readers_menu_is_never_in_the_shared_text(alice: Any) -> None:
    make_claim_world()
    anonymous = Client()
    assert "Log in" in page(anonymous, URL)
    signed_in = Client()
    signed_in.force_login(alice)
    theirs = page(signed_in, URL)
    assert "Log out" in theirs and "Log in" not in theirs
    again = page(anonymous, URL)
    assert "Log in" in again and "Log out" not in again
    assert alice.username not in again


def test_the_page_follows_changes_of_what_it_shows() -> None:
    """Nothing drawn from the claim or its evidence is kept: an edited item, a capture
    that finishes, a source gone offline and a new summary show at once."""
    world = make_claim_world()
    client = Client()
    before = page(client, URL)
    assert "Slow Site" in before and 'class="capture capture-in_progress"' in before

    world.archived.summary = "An edited summary of the report."
    world.archived.save()
    CaptureFactory(source=world.running.source, status=CaptureStatus.SUCCEEDED)
    source = world.failed.source
    source.online_status = OnlineStatus.GONE
    source.save()
    world.claim.summary = "A **new** summary."
    world.claim.save()
    archived_item(world.claim, "contradicts", 9)

    after = page(client, URL)
    assert "An edited summary of the report." in after
    assert 'class="capture capture-in_progress"' not in after
    assert "The original has been removed." in after
    assert "A <strong>new</strong> summary." in after
    assert "Story number 9" in after
    french = page(client, "/fr" + URL)
    assert "An edited summary of the report." in french
    assert 'lang="fr"' in french.split(">", 2)[1]


def test_only_language_constant_content_is_accepted() -> None:
    ok = Template(
        "{% load fragments static i18n %}{% per_language %}<a href=\"{% url 'public:home' %}\">"
        "{% translate 'Menu' %}</a>{% static 'css/site.css' %} {{ LANGUAGE_CODE }}"
        "{% endper_language %}"
    )
    with translation.override("fr"):
        assert ok.render(Context({"LANGUAGE_CODE": "fr"})).startswith('<a href="/fr/">')
    with translation.override("en"):
        assert ok.render(Context({"LANGUAGE_CODE": "en"})).startswith('<a href="/">')
    for inside in (
        "{{ user }}",
        "{% csrf_token %}",
        "{% block b %}{% endblock %}",
        '{% include "_nav_user.html" %}',
        "{% url 'public:claim' claim.slug %}",
        "{% url 'public:home' as home %}",
        "{% translate message %}",
        "{% if user.is_authenticated %}x{% endif %}",
        "{{ LANGUAGE_CODE|upper }}",
    ):
        with pytest.raises(TemplateSyntaxError, match="per_language"):
            Template(
                "{% load fragments i18n %}{% per_language %}" + inside + "{% endper_language %}"
            )


def test_the_language_is_read_once_per_template_render_and_never_stale() -> None:
    """The language and prefix are read once per render of one template (its render
    context), so the same Context rendered again in another language, and a template
    included inside ``{% language %}``, show their own language; a fragment inside
    ``{% language %}`` itself is refused (it would read the language outside it)."""
    probe = Template(
        "{% load fragments i18n %}[{% per_language %}{% translate 'Search' %}{% endper_language %}]"
    )
    page = Template(
        "{% load fragments i18n %}{% per_language %}{% translate 'Search' %}{% endper_language %}"
        '{% language "fr" %}{% include probe %}{% endlanguage %}'
        "{% per_language %}{% translate 'Search' %}{% endper_language %}"
    )
    with translation.override("fr"):
        french = translation.gettext("Search")
    assert french != "Search"
    context = Context()
    with translation.override("fr"):
        assert probe.render(context) == f"[{french}]"
    with translation.override("en"):
        assert probe.render(context) == "[Search]"  # the same Context, another render
        assert page.render(Context({"probe": probe})) == f"Search[{french}]Search"
    with pytest.raises(TemplateSyntaxError, match="inside"):
        Template(
            '{% load fragments i18n %}{% language "fr" %}{% per_language %}x'
            "{% endper_language %}{% endlanguage %}"
        )


def test_fragments_are_kept_per_script_prefix_and_dropped_when_settings_change() -> None:
    template = Template(
        "{% load fragments %}{% per_language %}{% url 'public:home' %}{% endper_language %}"
    )
    with translation.override("en"):
        assert template.render(Context()) == "/"
        set_script_prefix("/ledger/")
        try:
            assert template.render(Context()) == "/ledger/"
        finally:
            set_script_prefix("/")
        assert template.render(Context()) == "/"
        with override_settings(STATIC_URL="/elsewhere/"):
            assert not fragments._fragments


def test_language_choices_follow_the_active_language_and_point_home_without_a_page() -> None:
    with translation.override("fr"):
        choices = fragments.language_choices(None)
        assert fragments.language_choices("/fr/claims/c/") == (
            ("en", "English", "/claims/c/", "/i18n/setlang/?next=/claims/c/", False),
            ("fr", "Français", "/fr/claims/c/", "/i18n/setlang/?next=/fr/claims/c/", True),
        )
    assert [(code, target, action) for code, _name, target, action, _active in choices] == [
        ("en", "/", "/i18n/setlang/?next=/"),
        ("fr", "/", "/i18n/setlang/?next=/"),
    ]
    with translation.override("en"):
        assert [active for *_rest, active in fragments.language_choices(None)] == [True, False]
