"""What a site said about AI training when we captured it: parsing the signals.

Pure functions over bytes and headers (no network, no database); the
``signals`` step (``app/archive/steps/consent.py``) fetches and stores, this
module reads. Each reader records what it found and where, never more:

- ``robots.txt`` (RFC 9309), parsed with protego, for each known AI user
  agent: allowed or disallowed for this address, and whether a group names
  the agent (``explicit``) or only ``*`` decides. A missing file (4xx) allows
  everything; an unreachable one (5xx, timeout) decides nothing (RFC 9309
  tells crawlers to assume "disallow all"; we record that it was unreachable).
  ``Content-Usage`` lines in it (IETF AI preferences) are kept as written.
- TDMRep (W3C community report): the ``tdm-reservation`` / ``tdm-policy``
  headers, ``<meta name="tdm-reservation">`` / ``tdm-policy``, and
  ``/.well-known/tdmrep.json`` (the first rule whose ``location`` matches the
  path). Each source is recorded; the summary takes the header, else the
  meta tag, else the file.
- ``ai.txt`` (Spawning's robots-like file), read with protego for agent ``*``.
- ``Content-Usage`` response header (IETF aipref): ``train-ai=n, search=y``.
- ``X-Robots-Tag`` and ``<meta name="robots">`` directives ``noai`` and
  ``noimageai``.
"""

from __future__ import annotations

import functools
import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

SIGNALS_FORMAT = "trainedon-signals/1"

# Crawlers and tokens that AI companies document for training or AI answers.
AI_AGENTS = (
    "GPTBot",
    "ChatGPT-User",
    "OAI-SearchBot",
    "CCBot",
    "Google-Extended",
    "ClaudeBot",
    "anthropic-ai",
    "Claude-Web",
    "PerplexityBot",
    "Bytespider",
    "Applebot-Extended",
    "meta-externalagent",
    "FacebookBot",
    "Amazonbot",
    "cohere-ai",
    "Diffbot",
    "omgili",
    "Timpibot",
)
# Response headers that carry a signal (kept raw as an artifact, parsed here).
SIGNAL_HEADERS = ("tdm-reservation", "tdm-policy", "content-usage", "x-robots-tag", "link")
SIGNAL_META = ("tdm-reservation", "tdm-policy", "robots", "content-usage")
AI_DIRECTIVES = ("noai", "noimageai")
MAX_META_BYTES = 512 * 1024  # meta tags are in the head: read no further
_BODY = re.compile(r"<body[\s>/]", re.IGNORECASE)


# --- robots.txt ---------------------------------------------------------------


def _named_agents(text: str) -> frozenset[str]:
    names = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "user-agent":
            names.add(value.split("#")[0].strip().lower())
    return frozenset(names)


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> tuple[Protego, frozenset[str], tuple[str, ...]]:
    """A robots-like file read once per text: the parser, the agents its groups name, and
    its ``Content-Usage`` lines. A site's file is the same for all its captures of a day,
    so each process parses it once, not once per capture (the verdicts are still asked
    for each capture's own address)."""
    content_usage = tuple(
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.lower().startswith("content-usage:")
    )[:50]
    return Protego.parse(text), _named_agents(text), content_usage


def read_robots(text: str | None, url: str, status: str) -> dict[str, Any]:
    """Per-agent verdicts for ``url``. ``status``: found, missing or unreachable."""
    agents: dict[str, dict[str, Any]] = {}
    content_usage: list[str] = []
    if status == "found" and text is not None:
        parser, named, usage = _parsed(text)
        for agent in AI_AGENTS:
            agents[agent] = {
                "allowed": bool(parser.can_fetch(url, agent)),
                "explicit": agent.lower() in named,
            }
        content_usage = list(usage)
    elif status == "missing":
        agents = {agent: {"allowed": True, "explicit": False} for agent in AI_AGENTS}
    else:
        agents = {agent: {"allowed": None, "explicit": False} for agent in AI_AGENTS}
    return {"agents": agents, "content_usage": content_usage}


# --- ai.txt -------------------------------------------------------------------


def read_ai_txt(text: str | None, url: str, status: str) -> dict[str, Any]:
    if status != "found" or text is None:
        return {"allowed": True if status == "missing" else None}
    return {"allowed": bool(_parsed(text)[0].can_fetch(url, "*"))}


# --- TDMRep -------------------------------------------------------------------


def _reservation(value: Any) -> bool | None:
    text = str(value).strip() if value is not None else ""
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    return None


def _location_matches(pattern: str, path: str) -> bool:
    """A TDMRep ``location``: a path pattern where ``*`` is any run of characters."""
    pattern = pattern if pattern.startswith("/") else "/" + pattern
    regex = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.match(regex, path) is not None


def read_tdmrep(body: bytes | None, url: str, status: str) -> dict[str, Any]:
    """The first rule of ``tdmrep.json`` whose ``location`` matches the path, or why none."""
    if status != "found" or body is None:
        return {"rule": None, "problem": ""}
    try:
        rules = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return {"rule": None, "problem": f"not JSON: {exc}"[:300]}
    if not isinstance(rules, list):
        return {"rule": None, "problem": "not a JSON array of rules"}
    path = urlsplit(url).path or "/"
    for rule in rules[:1000]:
        if not isinstance(rule, dict) or not isinstance(rule.get("location"), str):
            continue
        if _location_matches(rule["location"], path):
            return {
                "rule": {
                    "location": rule["location"][:500],
                    "tdm-reservation": _reservation(rule.get("tdm-reservation")),
                    "tdm-policy": str(rule.get("tdm-policy") or "")[:2000],
                },
                "problem": "",
            }
    return {"rule": None, "problem": ""}


# --- headers and meta tags -----------------------------------------------------


class _MetaReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, list[str]] = {}
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        if tag != "meta" or self.done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        name = values.get("name", "").strip().lower()
        if name in SIGNAL_META:
            self.found.setdefault(name, []).append(values.get("content", "")[:2000])


def meta_signals(html: str) -> dict[str, list[str]]:
    """The signal meta tags of the head (each name's values, in order)."""
    reader = _MetaReader()
    head = html[:MAX_META_BYTES]
    body = _BODY.search(head)  # the parser stops at <body> anyway: do not feed the rest
    try:
        reader.feed(head[: body.end()] if body else head)
        reader.close()
    except Exception:  # html.parser on hostile markup: keep what was read
        reader.found.setdefault("_unparsed", ["the head could not be read to its end"])
    return reader.found


def signal_headers(headers: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in headers:
        lower = name.lower()
        if lower == "link" and "tdm" not in value.lower():
            continue
        if lower in SIGNAL_HEADERS:
            found.setdefault(lower, []).append(value[:2000])
    return found


def read_content_usage(values: list[str]) -> dict[str, str]:
    """``train-ai=n, search=y`` (a structured-field dictionary) as {"train-ai": "n", ...}."""
    prefs: dict[str, str] = {}
    for value in values:
        for member in value.split(","):
            key, sep, raw = member.split(";")[0].strip().partition("=")
            key = key.strip().lower()
            if re.fullmatch(r"[a-z*][a-z0-9_.*-]{0,60}", key):
                prefs[key] = raw.strip().strip('"')[:40] if sep else "y"
    return prefs


def _first(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None


def _directives(values: list[str]) -> list[str]:
    words = {w.strip().lower() for v in values for w in re.split(r"[,\s]+", v) if w.strip()}
    return [d for d in AI_DIRECTIVES if d in words]


# --- the record -----------------------------------------------------------------


def build_record(
    *,
    url: str,
    observed_at: str | None,
    files: dict[str, dict[str, Any]],
    headers: dict[str, list[str]],
    meta: dict[str, list[str]],
    bodies: dict[str, bytes | None],
) -> dict[str, Any]:
    """The parsed record (``signals.json``) from what the step fetched.

    ``files`` holds, per host file (``robots.txt``, ``tdmrep.json``,
    ``ai.txt``), its status (found, missing, unreachable), address, HTTP
    status, fetch time, hash and error class; ``bodies`` the bytes of those
    found.
    """

    def text(name: str) -> str | None:
        body = bodies.get(name)
        return body.decode("utf-8", "replace") if body is not None else None

    robots = files["robots.txt"]
    robots_read = read_robots(text("robots.txt"), url, robots["status"])
    tdmrep = files["tdmrep.json"]
    tdmrep_read = read_tdmrep(bodies.get("tdmrep.json"), url, tdmrep["status"])
    ai_txt = files["ai.txt"]
    ai_read = read_ai_txt(text("ai.txt"), url, ai_txt["status"])

    sources: list[tuple[str, bool | None, str]] = []
    if "tdm-reservation" in headers or "tdm-policy" in headers:
        sources.append(
            (
                "header",
                _reservation(_first(headers, "tdm-reservation")),
                (headers.get("tdm-policy") or [""])[0],
            )
        )
    if "tdm-reservation" in meta or "tdm-policy" in meta:
        sources.append(
            (
                "meta",
                _reservation(_first(meta, "tdm-reservation")),
                (meta.get("tdm-policy") or [""])[0],
            )
        )
    rule = tdmrep_read["rule"]
    if rule is not None:
        sources.append(("tdmrep.json", rule["tdm-reservation"], rule["tdm-policy"]))
    tdm_source, tdm_reserved, tdm_policy = sources[0] if sources else ("", None, "")

    agents = robots_read["agents"]
    usage = read_content_usage(headers.get("content-usage", []) + meta.get("content-usage", []))
    return {
        "format": SIGNALS_FORMAT,
        "url": url,
        "observed_at": observed_at,
        "robots_txt": {**robots, **robots_read},
        "tdmrep_json": {**tdmrep, **tdmrep_read},
        "ai_txt": {**ai_txt, **ai_read},
        "headers": headers,
        "meta": meta,
        "summary": {
            "robots_txt": robots["status"],
            "disallowed_agents": [a for a, v in agents.items() if v["allowed"] is False],
            "allowed_agents": [a for a, v in agents.items() if v["allowed"] is True],
            "tdm_reserved": tdm_reserved,
            "tdm_policy": tdm_policy,
            "tdm_source": tdm_source,
            "ai_txt_allows": ai_read["allowed"],
            "content_usage": usage,
            "robots_content_usage": robots_read["content_usage"],
            "directives": _directives(headers.get("x-robots-tag", []) + meta.get("robots", [])),
        },
    }
