"""Consent signals in words, for the archived-copy page (and whoever else shows them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as _noop
from django.utils.translation import ngettext

from app.archive.models import ConsentRecord


def join_names(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


@dataclass
class SignalsView:
    observed_on: str
    robots: str
    tdm: str
    tdm_policy: str = ""
    tdm_policy_is_link: bool = False  # a site's text is linked only when it is http(s)
    lines: list[str] = field(default_factory=list)
    credentials: list[str] = field(default_factory=list)


USE_WORDS = {"allowed": _noop("allowed"), "notAllowed": _noop("not allowed")}


def _signature(entry: dict[str, Any]) -> str:
    state = entry.get("validation_state") or ""
    codes = [
        p.get("code", "")
        for p in entry.get("problems") or []
        if p.get("code") != "signingCredential.untrusted"
    ]
    if state == "Trusted":
        return _("the signature is valid and its signer is on a trust list")
    if state == "Valid":
        return _("the signature and hashes are valid (the signer is not on a trust list we check)")
    return _("the signature or hashes do not verify (%(codes)s)") % {
        "codes": ", ".join(codes) or state or "?"
    }


def _training(entry: dict[str, Any]) -> str:
    parts = []
    for name, value in sorted((entry.get("training_mining") or {}).items()):
        use = str(value.get("use") or "")
        words = _(USE_WORDS[use]) if use in USE_WORDS else use
        if use == "constrained":
            words = _("constrained (%(info)s)") % {"info": value.get("constraint_info") or "?"}
        parts.append(f"{name}: {words}")
    return "; ".join(parts)


def describe_credentials(entry: dict[str, Any]) -> str:
    """One sentence about one archived file's C2PA content credentials."""
    name = entry.get("file", "")
    status = entry.get("status")
    if status == "none":
        return _("%(file)s carries no content credentials (C2PA).") % {"file": name}
    if status == "unsupported":
        return _("%(file)s: content credentials cannot be read in this format.") % {"file": name}
    if status != "found":
        return _("%(file)s has content credentials that could not be read: %(reason)s.") % {
            "file": name,
            "reason": entry.get("reason", ""),
        }
    signer = entry.get("signer") or {}
    text = _(
        "%(file)s carries content credentials (C2PA) made with %(generator)s, signed by "
        "%(signer)s; %(signature)s."
    ) % {
        "file": name,
        "generator": entry.get("claim_generator") or "?",
        "signer": ", ".join(p for p in (signer.get("common_name"), signer.get("issuer")) if p)
        or "?",
        "signature": _signature(entry),
    }
    training = _training(entry)
    if training:
        text += " " + _("Training and data mining: %(uses)s.") % {"uses": training}
    else:
        text += " " + _("It states nothing about training or data mining.")
    return text


def describe(record: ConsentRecord | None) -> SignalsView | None:
    if record is None:
        return None
    summary: dict[str, Any] = record.summary
    day = record.observed_at.strftime("%Y-%m-%d")
    status = summary.get("robots_txt")
    disallowed = list(summary.get("disallowed_agents") or [])
    if status == "found" and disallowed:
        robots = ngettext(
            "On %(day)s this site's robots.txt disallowed %(agents)s for this address.",
            "On %(day)s this site's robots.txt disallowed %(agents)s for this address.",
            len(disallowed),
        ) % {"day": day, "agents": join_names(disallowed)}
    elif status == "found":
        robots = _("On %(day)s this site's robots.txt allowed every AI crawler we check.") % {
            "day": day
        }
    elif status == "missing":
        robots = _("On %(day)s this site had no robots.txt (everything allowed).") % {"day": day}
    else:
        robots = _("On %(day)s this site's robots.txt could not be read.") % {"day": day}
    reserved = summary.get("tdm_reserved")
    source = summary.get("tdm_source") or ""
    if reserved is None:
        tdm = _("TDM reservation: not stated.")
    else:
        answer = _("yes") if reserved else _("no")
        tdm = _("TDM reservation: %(answer)s (from %(source)s).") % {
            "answer": answer,
            "source": source,
        }
    policy = str(summary.get("tdm_policy") or "")
    lines = []
    usage = summary.get("content_usage") or {}
    if usage:
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(usage.items()))
        lines.append(_("Content-Usage header: %(pairs)s.") % {"pairs": pairs})
    if summary.get("robots_content_usage"):
        lines.append(
            _("Content-Usage in robots.txt: %(rules)s.")
            % {"rules": "; ".join(summary["robots_content_usage"])}
        )
    if summary.get("directives"):
        lines.append(_("Robots directives: %(d)s.") % {"d": ", ".join(summary["directives"])})
    if summary.get("ai_txt_allows") is False:
        lines.append(_("ai.txt disallowed this address."))
    return SignalsView(
        observed_on=day,
        robots=robots,
        tdm=tdm,
        tdm_policy=policy,
        tdm_policy_is_link=policy.startswith(("https://", "http://")),
        lines=lines,
        credentials=[describe_credentials(e) for e in record.content_credentials or []],
    )
