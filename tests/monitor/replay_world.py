"""A canary page archived through the real pipeline, for the replay tests.

The canary is an ordinary article whose script, once replayed, tries what a
hostile archived page would: read the application's cookies and storage, and
call the application as the reader. It writes what it got into the page.
"""

from __future__ import annotations

from typing import Any

from app.archive.models import Capture, CaptureStatus
from app.catalog.choices import PublicationState
from tests.factories import EvidenceFactory, SourceFactory
from tests.monitor.conftest import run_capture

CANARY_TEXT = "The canary article: Sora reproduced the inventory bar of a block game."
CANARY = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Canary article</title></head><body>
<article><h1>Canary article</h1><p>{text}</p></article>
<pre id="report">waiting</pre>
<script>
(function () {{
  var app = "{app}";
  var out = [];
  function done(line) {{
    out.push(line);
    if (out.length === 4) document.getElementById("report").textContent = "done\\n" + out.join("\\n");
  }}
  done("cookie=" + document.cookie);
  var stored = null;
  try {{ stored = window.localStorage.getItem("trainedon-canary"); }} catch (e) {{ stored = "error"; }}
  done("storage=" + stored);
  fetch(app + "/editor/", {{credentials: "include"}})
    .then(function (r) {{ return r.text().then(function (t) {{ done("editor=" + r.status + " " + t.slice(0, 3000)); }}); }})
    .catch(function (e) {{ done("editor=refused " + e); }});
  fetch(app + "/api/v1/claims", {{credentials: "include", method: "POST", body: "{{}}",
         headers: {{"Content-Type": "application/json"}}}})
    .then(function (r) {{ done("api=" + r.status); }})
    .catch(function (e) {{ done("api=refused " + e); }});
}})();
</script></body></html>"""


def canary_html(app_origin: str) -> str:
    return CANARY.format(text=CANARY_TEXT, app=app_origin)


def archived_canary(url: str, *, public: bool = True) -> Capture:
    """The canary page at ``url`` captured now; cited by published evidence when ``public``."""
    source = SourceFactory(url=url, normalized_url=url, title="Canary article")
    capture = run_capture(source)
    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    if public:
        EvidenceFactory(
            source=source,
            state=PublicationState.PUBLISHED,
            claim__state=PublicationState.PUBLISHED,
        )
    return capture


def replay_settings(settings: Any, replay_origin: str, site_url: str) -> None:
    settings.REPLAY_ORIGIN = replay_origin
    settings.SITE_URL = site_url
