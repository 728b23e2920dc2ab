"""Trusted timestamps from two local authorities (``openssl ts -reply``), verified at every turn."""

from __future__ import annotations

import hashlib
import json
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from app.archive import timestamps
from app.archive.models import ArtifactKind, Capture, CaptureStatus
from app.archive.package import package_plan, stream_package, verify_package
from app.archive.verify import verify_capture
from app.catalog.choices import PublicationState
from app.catalog.services import source_add
from tests.archive.test_package import one_byte_changed
from tests.archive.tsa import Authority, make_authority, serve_authority
from tests.conftest import wait_for
from tests.factories import EvidenceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_browser")]


@pytest.fixture
def authorities(tmp_path: Path, settings: Any, site: Any) -> Iterator[list[Authority]]:
    """Two authorities with their own CAs, trusted through TSA_CA_FILE."""
    alpha = make_authority("Alpha", tmp_path / "alpha")
    beta = make_authority("Beta", tmp_path / "beta")
    bundle = tmp_path / "tsa-roots.pem"
    bundle.write_bytes(alpha.root_pem + beta.root_pem)
    with serve_authority(alpha), serve_authority(beta):
        assert alpha.server and beta.server
        settings.ARCHIVE_ALLOW_HOSTS = [
            site.host_port,
            alpha.server.host_port,
            beta.server.host_port,
        ]
        settings.TSA_URLS = f"{alpha.url},{beta.url}"
        settings.TSA_CA_FILE = str(bundle)
        yield [alpha, beta]


def stamped_capture(site: Any, archive: Any) -> Any:
    site.routes["/robots.txt"] = lambda h: h.reply(
        200, "User-agent: GPTBot\nDisallow: /\n", content_type="text/plain"
    )
    capture, _ = archive(site.url_for("/article.html"))
    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    outcome = timestamps.stamp_capture(capture.pk)
    assert outcome.failed == {}
    return capture


def test_every_manifest_gets_a_verified_token_from_each_authority(
    site: Any, archive: Any, authorities: list[Authority]
) -> None:
    capture = stamped_capture(site, archive)

    tokens = timestamps.tokens_of(capture)
    assert len(tokens) == 2
    by_url = {t.metadata["tsa_url"]: t for t in tokens}
    for authority in authorities:
        token = by_url[authority.url]
        meta = token.metadata
        assert meta["tsa_url"] == authority.url
        assert meta["manifest_sha256"] == capture.manifest_sha256
        assert meta["signer"] == f"CN={authority.name} Time-Stamping Unit"
        assert meta["gen_time"].endswith("Z")
        assert (
            meta["root_sha256"]
            == hashlib.sha256(authority.root.public_bytes(timestamps.Encoding.DER)).hexdigest()
        )
    chains = capture.artifacts.filter(kind=ArtifactKind.TIMESTAMP, name__endswith=".chain.pem")
    assert chains.count() == 2
    assert verify_capture(capture) == []
    # Asking again changes nothing: each authority is asked once per capture.
    assert timestamps.stamp_capture(capture.pk).skipped == [a.url for a in authorities]
    assert len(timestamps.tokens_of(capture)) == 2


def test_bad_tokens_are_rejected_with_the_check_that_failed(
    tmp_path: Path, authorities: list[Authority]
) -> None:
    alpha = authorities[0]
    data = b"a manifest"
    digest = hashlib.sha256(data).hexdigest()
    query, nonce = timestamps.build_request(data)
    token = timestamps.post_query(alpha.url, query)
    assert timestamps.verify_token(token, digest, [alpha.root], nonce=nonce).gen_time

    with pytest.raises(timestamps.TimestampError, match="the token is for"):
        timestamps.verify_token(token, hashlib.sha256(b"other").hexdigest(), [alpha.root])
    with pytest.raises(timestamps.TimestampError, match="Nonce mismatch"):
        timestamps.verify_token(token, digest, [alpha.root], nonce=nonce + 1)
    with pytest.raises(timestamps.TimestampError, match="unable to get local issuer"):
        timestamps.verify_token(token, digest, [authorities[1].root])  # an unknown authority
    tampered = bytearray(token)
    tampered[-20] ^= 0x01
    with pytest.raises(timestamps.TimestampError):
        timestamps.verify_token(bytes(tampered), digest, [alpha.root])
    with pytest.raises(timestamps.TimestampError, match="not a timestamp response"):
        timestamps.verify_token(b"\x30\x03junk", digest, [alpha.root])

    expired = make_authority("Expired", tmp_path / "expired", expired=True)
    with serve_authority(expired) as served:
        assert served.server is not None
        query, _ = timestamps.build_request(data)
        old = timestamps.post_query(served.url, query, allow_hosts=[served.server.host_port])
    with pytest.raises(timestamps.TimestampError, match="certificate has expired"):
        timestamps.verify_token(old, digest, [expired.root])


def test_an_untrusted_or_private_authority_leaves_no_token(
    site: Any, archive: Any, authorities: list[Authority], tmp_path: Path, settings: Any
) -> None:
    stranger = make_authority("Stranger", tmp_path / "stranger")  # its root is not trusted
    capture, _ = archive(site.url_for("/article.html"))
    with serve_authority(stranger) as served:
        assert served.server is not None
        settings.ARCHIVE_ALLOW_HOSTS = [*settings.ARCHIVE_ALLOW_HOSTS, served.server.host_port]
        outcome = timestamps.stamp_capture(capture.pk, urls=[served.url, "http://10.20.30.40/tsa"])
    assert "unable to get local issuer certificate" in outcome.failed[served.url]
    assert "blocked_address" in outcome.failed["http://10.20.30.40/tsa"]
    assert timestamps.tokens_of(capture) == []


def test_the_stamp_command_stamps_existing_captures(
    site: Any, archive: Any, authorities: list[Authority], settings: Any
) -> None:
    settings.TSA_URLS = ""
    capture, _ = archive(site.url_for("/article.html"))
    assert timestamps.tokens_of(capture) == []
    with pytest.raises(CommandError, match="TSA_URLS is empty"):
        call_command("stamp")

    settings.TSA_URLS = ",".join(a.url for a in authorities)
    call_command("stamp")
    assert len(timestamps.tokens_of(capture)) == 2
    call_command("verify_archive", "--capture", str(capture.pk))


def test_the_stamp_task_runs_the_same_code(
    site: Any, archive: Any, authorities: list[Authority]
) -> None:
    from app.archive.tasks import stamp

    capture, _ = archive(site.url_for("/article.html"))
    stamp.apply(args=(capture.pk,)).get()
    assert len(timestamps.tokens_of(capture)) == 2


def test_manage_py_archive_stamps_its_capture_like_the_worker(
    site: Any, authorities: list[Authority], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("archive", site.url_for("/article.html"))
    printed = json.loads(capsys.readouterr().out)

    capture = Capture.objects.get(pk=printed["capture_id"])
    tokens = timestamps.tokens_of(capture)
    assert sorted(t.metadata["tsa_url"] for t in tokens) == sorted(a.url for a in authorities)
    assert all(t.metadata["manifest_sha256"] == capture.manifest_sha256 for t in tokens)
    # The printed capture already lists the tokens, and they verify.
    printed_names = {a["name"] for a in printed["artifacts"]}
    assert {t.name for t in tokens} <= printed_names
    assert verify_capture(capture) == []


def test_manage_py_archive_reports_an_authority_that_fails_and_still_succeeds(
    site: Any, authorities: list[Authority], settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.TSA_URLS = f"{authorities[0].url},{site.url_for('/no-tsa-here')}"
    call_command("archive", site.url_for("/article.html"))
    out, err = capsys.readouterr()

    capture = Capture.objects.get(pk=json.loads(out)["capture_id"])
    assert capture.status == CaptureStatus.SUCCEEDED
    assert [t.metadata["tsa_url"] for t in timestamps.tokens_of(capture)] == [authorities[0].url]
    assert f"no timestamp from {site.url_for('/no-tsa-here')}: " in err
    assert "HTTP 404" in err


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_stamps_every_capture_it_archives(
    site: Any, authorities: list[Authority], start_worker: Any, settings: Any
) -> None:
    start_worker(
        extra_env={
            "TSA_URLS": settings.TSA_URLS,
            "TSA_CA_FILE": settings.TSA_CA_FILE,
            "ARCHIVE_BROWSER_STEP": "0",
        }
    )
    source = source_add(url=site.url_for("/article.html")).source
    capture = source.captures.get()

    tokens = wait_for(lambda: len(timestamps.tokens_of(capture)) == 2 and capture, timeout=120)
    capture.refresh_from_db()
    assert capture.status == CaptureStatus.SUCCEEDED
    assert verify_capture(capture) == []
    assert tokens


def test_a_package_verifies_offline_and_fails_on_any_changed_byte(
    site: Any,
    archive: Any,
    authorities: list[Authority],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    client: Any,
) -> None:
    capture = stamped_capture(site, archive)
    item = EvidenceFactory(
        source_id=capture.source_id,
        state=PublicationState.PUBLISHED,
        claim__state=PublicationState.PUBLISHED,
    )
    package = tmp_path / "package.zip"
    with package.open("wb") as out:
        for chunk in stream_package(package_plan(item.claim)):
            out.write(chunk)
    with zipfile.ZipFile(package) as zipped:
        names = zipped.namelist()
    prefix = f"captures/{capture.pk}/"
    token = next(n for n in names if n.startswith(prefix) and n.endswith(".tsr"))
    assert prefix + "signals.json" in names and prefix + "robots.txt" in names

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("verification opened a socket")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert verify_package(package) == []
    for member in (token, prefix + "manifest.json", prefix + "signals.json"):
        changed = one_byte_changed(package, member, tmp_path / "changed.zip")
        problems = [str(p) for p in verify_package(changed)]
        assert problems, member
        assert any(member.removeprefix(prefix) in p for p in problems), (member, problems)

    # The network is back for the web page (its cache and database may open sockets).
    monkeypatch.undo()
    page = client.get(f"/sources/{capture.source_id}/").content.decode()
    for authority in authorities:
        assert f"Timestamped by {authority.url} at " in page
