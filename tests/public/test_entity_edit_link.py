"""An Edit link on entity pages for someone who may edit (issue 15, problem 9).

Who may is `access.can_edit_entity`; anonymous pages are cached for every reader
(app.public.cache), so the link must never reach a cached page.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.public.world import make_world

# Real commits, so the page cache works as in production.
pytestmark = pytest.mark.django_db(transaction=True)

EDIT = 'href="/editor/entities/frontier/edit/"'


def test_an_editor_sees_the_edit_link_and_it_opens_the_form(client, alice):
    make_world()
    client.force_login(alice)
    page = client.get("/entities/frontier/").content.decode()
    assert EDIT in page
    assert client.get("/editor/entities/frontier/edit/").status_code == 200


def test_readers_and_contributors_never_see_it_even_after_an_editor_s_visit(client, alice, carol):
    make_world()
    anonymous = Client()
    assert EDIT not in anonymous.get("/entities/frontier/").content.decode()  # now cached
    editor = Client()
    editor.force_login(alice)
    assert EDIT in editor.get("/entities/frontier/").content.decode()
    assert EDIT not in anonymous.get("/entities/frontier/").content.decode()
    assert EDIT not in Client().get("/entities/frontier/").content.decode()
    contributor = Client()
    contributor.force_login(carol)
    assert EDIT not in contributor.get("/entities/frontier/").content.decode()
