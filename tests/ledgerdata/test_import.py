"""Bulk import: record by record, refused records reported and left out whole, idempotent,
pending (or drafts) only, captures queued at a bounded rate."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from app.archive.models import Capture, CaptureStatus
from app.catalog.models import Claim, Entity, Evidence, Source
from app.ledgerdata.importer import CAPTURES_PER_MINUTE, CSV_COLUMNS, import_file
from app.ledgerdata.models import ImportedRecord

pytestmark = pytest.mark.django_db


def lines(*records: object) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


ENTITIES = [
    {"type": "entity", "slug": "vidgen", "name": "VidGen", "kind": "model",
     "developer": {"name": "Example Labs"}},
    {"type": "entity", "slug": "blockworld", "name": "BlockWorld", "kind": "work"},
]  # fmt: skip
CLAIM = {
    "type": "claim",
    "slug": "vidgen-blockworld",
    "statement": "VidGen was trained on BlockWorld gameplay videos.",
    "summary": "Outputs show the game's interface.",
    "first_seen": "2024-12-11",
    "models": ["vidgen"],
    "content": [{"slug": "blockworld", "name": "BlockWorld", "kind": "work"}],
}
EVIDENCE = {
    "type": "evidence",
    "claim": "vidgen-blockworld",
    "kind": "news_report",
    "stance": "supports",
    "summary": "A news site compared outputs with the game.",
    "quote": "",
    "locator": "paragraph 3",
    "source": {"url": "https://news.example/vidgen", "title": "VidGen and BlockWorld",
               "publisher": "News Example", "published_on": "2024-12-11"},
}  # fmt: skip
GOOD = lines(*ENTITIES, CLAIM, EVIDENCE, {**EVIDENCE, "stance": "context",
             "summary": "The developer's card names no data.",
             "source": {"url": "https://labs.example/card"}})  # fmt: skip


def run(data: bytes, actor, name: str = "ledger.jsonl", **kwargs):
    return import_file(io.BytesIO(data), name, actor=actor, **kwargs)


def snapshot() -> dict[str, int]:
    return {
        "claims": Claim.objects.count(),
        "evidence": Evidence.objects.count(),
        "sources": Source.objects.count(),
        "entities": Entity.objects.count(),
        "captures": Capture.objects.count(),
    }


def test_a_good_file_lands_pending_with_its_sources_queued(alice):
    outcome = run(GOOD, alice)
    assert (outcome.created, outcome.refused, outcome.problems) == (5, 0, [])
    claim = Claim.objects.get()
    assert claim.state == "pending"
    assert claim.statement == CLAIM["statement"]
    assert [e.slug for e in claim.models_named.all()] == ["vidgen"]
    assert claim.models_named.get().developer.name == "Example Labs"
    assert set(claim.evidence.values_list("state", flat=True)) == {"pending"}
    source = Source.objects.get(normalized_url="https://news.example/vidgen")
    assert (source.title, source.publisher, str(source.published_on)) == (
        "VidGen and BlockWorld", "News Example", "2024-12-11",
    )  # fmt: skip
    captures = list(Capture.objects.order_by("not_before"))
    assert len(captures) == 2 and {c.status for c in captures} == {CaptureStatus.QUEUED}
    gap = (captures[1].not_before - captures[0].not_before).total_seconds()
    assert gap == pytest.approx(60 / CAPTURES_PER_MINUTE)
    assert outcome.captures_queued == 2


def test_importing_the_same_file_twice_changes_nothing(alice):
    run(GOOD, alice)
    before = snapshot()
    history = Claim.history.count()
    again = run(GOOD, alice)
    assert (again.created, again.unchanged, again.refused) == (0, 5, 0)
    assert snapshot() == before
    assert Claim.history.count() == history


def test_a_moderators_import_still_never_publishes(bob):
    run(GOOD, bob)
    assert set(Claim.objects.values_list("state", flat=True)) == {"pending"}
    assert set(Evidence.objects.values_list("state", flat=True)) == {"pending"}
    assert not Claim.objects.filter(published_at__isnull=False).exists()


def test_drafts_stay_drafts(alice):
    run(GOOD, alice, submit=False)
    assert set(Claim.objects.values_list("state", flat=True)) == {"draft"}
    assert set(Evidence.objects.values_list("state", flat=True)) == {"draft"}


def test_malformed_records_are_refused_one_by_one_with_line_field_and_message(alice):
    data = lines(
        *ENTITIES,
        {**CLAIM, "statement": 5},  # 3: wrong type
        {**CLAIM, "slug": "other", "models": ["no-such-model"]},  # 4: unknown entity
        CLAIM,  # 5: good
        {**EVIDENCE, "source": {"url": "ftp://files.example/x"}},  # 6: bad URL
        {**EVIDENCE, "source": {"url": "not a web address"}},  # 7: bad URL
        b'{"type": "claim", "statement": "caf\xe9"}',  # 8: invalid UTF-8
        {**CLAIM, "statement": "Another statement."},  # 9: duplicate external id (slug)
        b"{not json",  # 10
        {"type": "dataset"},  # 11: unknown type
        {**EVIDENCE, "stance": "maybe", "source": {"url": "https://new.example/a"}},  # 12
        {**EVIDENCE, "time_start": "abc"},  # 13
        {**EVIDENCE, "claim": "missing-claim"},  # 14
        [1, 2],  # 15
    )
    before_sources = Source.objects.count()
    outcome = run(data, alice)
    report = {p["line"]: (p["field"], p["message"]) for p in outcome.problems}
    assert sorted(report) == [3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    assert report[3] == ("statement", "Must be text, not int.")
    assert report[4][0] == "models[0]" and "Unknown entity 'no-such-model'" in report[4][1]
    assert report[6][0] == "source.url" and report[7][0] == "source.url"
    assert "UTF-8" in report[8][1]
    assert report[9][0] == "external_id" and "first on line 5" in report[9][1]
    assert "Not JSON" in report[10][1]
    assert report[11][0] == "type"
    assert report[12][0] == "stance"
    assert report[13][0] == "time_start"
    assert report[14] == ("claim", "Unknown claim 'missing-claim': import it first.")
    assert outcome.created == 3 and outcome.refused == 12
    # Nothing half-saved: only the good claim, and no source from the refused items.
    assert list(Claim.objects.values_list("statement", flat=True)) == [CLAIM["statement"]]
    assert Source.objects.count() == before_sources
    assert not Entity.objects.filter(slug="no-such-model").exists()


def test_the_csv_form_groups_rows_by_claim(alice):
    header = ",".join(CSV_COLUMNS)
    rows = [
        "c1,VidGen was trained on BlockWorld videos.,Summary.,2024-12-11,en,VidGen,Example Labs,"
        "BlockWorld;SkyRace,work,,news_report,supports,A report.,,,,,https://news.example/a,"
        "article,A title,News Example,2024-12-11",
        "c1,VidGen was trained on BlockWorld videos.,,,,,,,,,developer_statement,context,"
        "The card.,,,,,https://labs.example/card,,,,",
    ]
    data = ("\n".join([header, *rows]) + "\n").encode() + b"c2,Bad \xff row,,,,,,,,,news_report,"
    data += b"supports,x,,,,,https://x.example/,,,,\n"
    outcome = run(data, alice, name="sheet.csv")
    assert [p["line"] for p in outcome.problems] == [4]
    assert "UTF-8" in outcome.problems[0]["message"]
    claim = Claim.objects.get()
    assert claim.evidence.count() == 2
    assert sorted(e.name for e in claim.content_named.all()) == ["BlockWorld", "SkyRace"]
    assert claim.state == "pending"
    again = run(data, alice, name="sheet.csv")
    assert again.created == 0 and Claim.objects.count() == 1 and Evidence.objects.count() == 2


def test_the_csv_template_is_downloadable_and_imports_as_is(client, alice):
    response = client.get("/data/import-template.csv")
    assert response.status_code == 200
    body = response.content
    assert body.decode().splitlines()[0] == ",".join(CSV_COLUMNS)
    outcome = run(body, alice, name="template.csv")
    assert outcome.refused == 0 and outcome.created >= 2


def test_the_command_imports_and_reports(tmp_path: Path, alice, capsys):
    good = tmp_path / "ledger.jsonl"
    good.write_bytes(GOOD)
    call_command("import_ledger", str(good), "--user", "alice")
    out = capsys.readouterr().out
    assert "5 created, 0 already there, 0 refused, 2 captures queued" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(lines({**CLAIM, "slug": "x", "statement": ""}))
    with pytest.raises(CommandError) as caught:
        call_command("import_ledger", str(bad), "--user", "alice")
    assert caught.value.returncode == 2
    assert "bad.jsonl:1: statement: Required." in capsys.readouterr().err
    with pytest.raises(CommandError, match="No user named"):
        call_command("import_ledger", str(good), "--user", "nobody")


def test_without_a_user_the_import_account_acts(tmp_path: Path, db):
    good = tmp_path / "ledger.jsonl"
    good.write_bytes(GOOD)
    call_command("import_ledger", str(good))
    claim = Claim.objects.get()
    assert claim.created_by.username == "ledger-import"
    assert claim.state == "pending"
    assert ImportedRecord.objects.filter(record_type="claim").count() == 1


def _write(path: Path, n: int, offset: int) -> Path:
    with path.open("wb") as handle:
        for i in range(offset, offset + n):
            handle.write(lines(
                {**CLAIM, "slug": f"c-{i}", "statement": f"Model {i} used set {i}."},
                {**EVIDENCE, "claim": f"c-{i}", "source": {"url": f"https://m.example/{i}"}},
            ))  # fmt: skip
    return path


def _peak(alice, path: Path) -> int:
    """The importer's peak of traced memory for one file read from disk (not held in memory)."""
    tracemalloc.start()
    try:
        with path.open("rb") as handle:
            outcome = import_file(handle, path.name, actor=alice)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.refused == 0 and outcome.created == outcome.processed
    return peak


@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True)
def test_memory_stays_flat_when_the_input_grows_tenfold(alice, tmp_path: Path):
    # transaction=True: each record commits as in a real run; inside a test's one big
    # transaction the after-commit callbacks of every record would pile up instead.
    warm = tmp_path / "warm.jsonl"
    warm.write_bytes(lines(*ENTITIES) + _write(tmp_path / "w.jsonl", 5, 0).read_bytes())
    _peak(alice, warm)  # modules, templates and caches load once; not measured
    small = _peak(alice, _write(tmp_path / "small.jsonl", 30, 100))
    large = _peak(alice, _write(tmp_path / "large.jsonl", 300, 1000))
    print(f"tracemalloc peak: {small} bytes for N=30 pairs, {large} bytes for 10 N")
    # Ten times the records: the importer keeps no per-record state (the duplicate check
    # reads ImportedRecord), so its peak is that of one record, not of the file.
    assert large < small * 1.5, (small, large)


def test_a_duplicate_further_down_a_file_is_found_without_memory_of_the_file(alice):
    data = lines(*ENTITIES, CLAIM, {**CLAIM, "summary": "Again."}, EVIDENCE)
    outcome = run(data, alice)
    assert [(p["line"], p["field"]) for p in outcome.problems] == [(4, "external_id")]
    assert "first on line 3" in outcome.problems[0]["message"]
    again = run(data, alice)  # a new pass: seen before is "already there", not a duplicate
    assert again.unchanged == 4 and again.refused == 1
    assert "first on line 3" in again.problems[0]["message"]
