"""A version's member rows in its own partition (PostgreSQL) or plain rows (SQLite).

`app.graph.members`: an import loads the version's own table, builds its indexes,
attaches it when the version is done; a failed or deleted version drops it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from app.graph import members
from app.graph.importer import run_import
from app.graph.lookup import lookup
from app.graph.models import DatasetMember, DatasetVersion, ImportStatus
from app.graph.services import dataset_for, version_claim, version_create
from tests.graph.conftest import BOOKS3, World, _index, loaded_rows


def _attached(version_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) "
            "AND inhparent = to_regclass(%s)",
            [members.table_for(version_id), members.PARENT],
        )
        return cursor.fetchone() is not None


def _partition_indexes(version_id: int) -> set[str]:
    """Definitions of the partition's indexes that are attached to the parent's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(i.inhrelid) FROM pg_inherits i "
            "JOIN pg_index x ON x.indexrelid = i.inhrelid "
            "WHERE x.indrelid = to_regclass(%s)",
            [members.table_for(version_id)],
        )
        return {row[0] for row in cursor.fetchall()}


def test_an_import_attaches_the_versions_partition_with_the_parents_indexes(
    indexed: World,
) -> None:
    version = DatasetVersion.objects.get(dataset__entity=indexed.books3)
    assert version.status == ImportStatus.DONE
    assert DatasetMember.objects.filter(version=version).count() == 2
    if not members.partitioned():
        return
    assert _attached(version.pk)
    indexes = _partition_indexes(version.pk)
    # key, channel, host, the books' title trigrams, the other titles' folded hash, authors
    assert len(indexes) == 6, indexes
    assert any("gin (title gin_trgm_ops)" in d and "'book'" in d for d in indexes)
    assert any("graph_title_fold" in d for d in indexes)
    assert any("btree (key)" in d for d in indexes)


def test_a_failure_after_the_load_drops_what_was_written(
    indexed: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(version_id: int) -> None:
        assert loaded_rows(version_id) == 2  # written, then the index build fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(members, "build", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _index(tmp_path, indexed.books3, "books3-again.csv", BOOKS3)
    failed = DatasetVersion.objects.get(dataset__entity=indexed.books3, number=2)
    assert failed.status == ImportStatus.FAILED and failed.error_text == "disk full"
    assert loaded_rows(failed.pk) == 0
    if members.partitioned():
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [members.table_for(failed.pk)])
            assert cursor.fetchone()[0] is None
    # The previous version still answers.
    answer = lookup("0-306-40615-2")
    assert [m.version_number for d in answer.datasets for m in d.matches] == [1]


def test_a_reimport_keeps_the_previous_version_queryable(indexed: World, tmp_path: Path) -> None:
    _index(tmp_path, indexed.books3, "books3-v2.csv", "title,author,isbn\nNew Book,Cleo,\n")
    versions = DatasetVersion.objects.filter(dataset__entity=indexed.books3).order_by("number")
    assert [(v.number, v.status, v.row_count) for v in versions] == [
        (1, ImportStatus.DONE, 2),
        (2, ImportStatus.DONE, 1),
    ]
    old = lookup("0-306-40615-2")  # only in version 1
    assert [(d.dataset.pk, [m.version_number for m in d.matches]) for d in old.datasets] == [
        (indexed.books3.pk, [1])
    ]
    new = lookup("New Book", "title")
    assert [m.version_number for d in new.datasets for m in d.matches] == [2]
    if members.partitioned():
        assert all(_attached(v.pk) for v in versions)


def test_exact_and_close_lookups_answer_from_the_partitions(indexed: World) -> None:
    exact = lookup("https://youtu.be/dQw4w9WgXcQ")
    assert [(m.key, m.exact) for d in exact.datasets for m in d.matches] == [("dQw4w9WgXcQ", True)]
    close = lookup("sea insid", "title")  # part of the title, in other case
    matches = [m for d in close.datasets for m in d.matches]
    assert [(m.title, m.exact) for m in matches] == [("The Sea Inside", False)]
    assert 0 < matches[0].similarity < 1


def test_other_titles_match_as_a_whole_with_case_spaces_and_punctuation_folded(
    indexed: World,
) -> None:
    """Close matching is for books' titles and names; a video's title matches as a whole
    (PostgreSQL: migration 0006's folded-title btree; SQLite scans every title)."""
    whole = lookup("  SPEED-run! ", "title")
    found = [(m.title, m.exact, m.similarity) for d in whole.datasets for m in d.matches]
    part = [m.title for d in lookup("Speedru", "title").datasets for m in d.matches]
    if members.partitioned():
        assert found == [("Speedrun", True, 1.0)]
        assert part == []  # not a close match: a video's title is not trigram-indexed
        assert lookup("!!!", "title").datasets == []  # nothing left once folded
    else:
        assert part == ["Speedrun"]


def test_a_version_still_loading_is_invisible_and_a_deleted_one_takes_its_rows(
    indexed: World, tmp_path: Path
) -> None:
    path = tmp_path / "more.csv"
    path.write_text(BOOKS3)
    new = version_create(dataset=dataset_for(indexed.books3), path=path, file_name="more.csv",
                         source_url="https://data.example/more.csv", actor=None)  # fmt: skip
    assert version_claim(new.version.pk)
    members.prepare(new.version.pk)
    from app.graph.importer import _write_batch, normalize

    _write_batch(new.version.pk, [normalize({"title": "Loading", "isbn": ""}, "", 2)])
    assert loaded_rows(new.version.pk) == 1
    assert not lookup("Loading", "title").datasets  # running: never answered
    DatasetVersion.objects.filter(pk=new.version.pk).delete()
    assert loaded_rows(new.version.pk) == 0
    first = DatasetVersion.objects.get(dataset__entity=indexed.books3, number=1)
    pk = first.pk
    first.delete()
    assert loaded_rows(pk) == 0
    assert not DatasetMember.objects.filter(version_id=pk).exists()


def test_run_import_of_a_version_rebuilds_its_table_from_scratch(
    indexed: World, tmp_path: Path
) -> None:
    """A leftover table of the same version (a crashed run) is replaced, never appended to."""
    path = tmp_path / "again.csv"
    path.write_text(BOOKS3)
    new = version_create(dataset=dataset_for(indexed.books3), path=path, file_name="again.csv",
                         source_url="https://data.example/again.csv", actor=None)  # fmt: skip
    assert version_claim(new.version.pk)
    from app.graph.importer import _write_batch, normalize

    _write_batch(new.version.pk, [normalize({"title": "Leftover"}, "", 9)])
    version = DatasetVersion.objects.select_related("artifact").get(pk=new.version.pk)
    run_import(version)
    assert sorted(
        DatasetMember.objects.filter(version=version).values_list("title", flat=True)
    ) == ["Another Book", "The Sea Inside"]


def test_a_work_or_creator_page_finds_its_name_through_the_indexes(indexed: World) -> None:
    """An entity page's rows by name (`entity_matches`) follow the lookup's rule for a
    typed title or author (a video's title folded as a whole), and on PostgreSQL come
    from the partitions' indexes: with sequential scans off, no partition is read whole."""
    from django.test.utils import CaptureQueriesContext

    from app.catalog.choices import EntityKind
    from app.graph.lookup import entity_matches

    with CaptureQueriesContext(connection) as captured:
        work = entity_matches(EntityKind.WORK, "the sea inside", "")
        creator = entity_matches(EntityKind.CREATOR, "ANA WRITER", "")
        clip = entity_matches(EntityKind.WORK, "Speed-run!", "")
    assert [(m.title, m.exact) for m in work] == [("The Sea Inside", True)]
    assert [m.author for m in creator] == ["Ana Writer"]
    if not members.partitioned():
        assert clip == []  # SQLite compares the name case-insensitively, nothing folded
        return
    assert [(m.title, m.exact) for m in clip] == [("Speedrun", True)]
    member_queries = [q["sql"] for q in captured if "graph_datasetmember" in q["sql"]]
    assert len(member_queries) >= 4  # books' trigrams and other titles' hash, authors
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in member_queries:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on graph_datasetmember_v" not in plan, plan


def test_exact_keys_compare_bytes_and_probe_each_partitions_btree(indexed: World) -> None:
    """Migration 0007: ``key``, ``channel_id`` and ``host`` are in the "C" collation on
    PostgreSQL (their btrees sort with memcmp), in the partitions too (ATTACH requires
    it); the exact lookups answer as before, through those btrees."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        video = lookup("https://youtu.be/dQw4w9WgXcQ")
        channel = lookup("https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw")
        site = lookup("https://blog.example.org")
    assert [m.key for d in video.datasets for m in d.matches] == ["dQw4w9WgXcQ"]
    assert [m.channel_id for d in channel.datasets for m in d.matches] == [
        "UCuAXFkgsw1L7xaCfnd5JJOw"
    ]
    assert [m.host for d in site.datasets for m in d.matches] == ["blog.example.org"]
    if not members.partitioned():
        return
    version = DatasetVersion.objects.get(dataset__entity=indexed.pile)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, c.collname FROM pg_attribute a "
            "JOIN pg_collation c ON c.oid = a.attcollation "
            "WHERE a.attrelid = to_regclass(%s) AND a.attname IN ('key', 'channel_id', 'host')",
            [members.table_for(version.pk)],
        )
        assert dict(cursor.fetchall()) == {"key": "C", "channel_id": "C", "host": "C"}
    member_queries = [q["sql"] for q in captured if "graph_datasetmember" in q["sql"]]
    assert len(member_queries) == 3
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, index in zip(member_queries, ("key", "channel", "host"), strict=True):
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"_member_{index} on graph_datasetmember_v" in plan, plan
            assert "Seq Scan on graph_datasetmember_v" not in plan, plan


def test_the_title_fold_gives_what_its_first_definition_gave(db: None) -> None:
    """Migration 0008 lets titles of ASCII letters, digits and spaces skip the regexp:
    every title still folds as 0006's definition folded it (the indexes built with it
    stay valid)."""
    if not members.partitioned():
        pytest.skip("PostgreSQL's graph_title_fold")
    import importlib

    first = importlib.import_module("app.graph.migrations.0008_member_title_fold_fast").FIRST
    titles = ["Never Gonna Give You Up", "  SPEED-run! ", "", "   ", "R2 D2 2024", "a_b",
              "tab\there", "Ünïcödé Tïtlé", "İstanbul IŞIK", "ΟΔΟΣ ΟΔΟΣ", "x\u00a0y", "ǅ Ǆ",
              "Straße", "日本語 タイトル", "!!!", "C'est l'été", "ALL CAPS words"]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(first.replace("graph_title_fold", "pg_temp.title_fold_first"))
        for title in titles:
            cursor.execute(
                "SELECT graph_title_fold(%s), pg_temp.title_fold_first(%s)", [title, title]
            )
            now, before = cursor.fetchone()
            assert now == before, (title, now, before)
