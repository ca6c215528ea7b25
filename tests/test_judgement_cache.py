"""The judgement cache of the history store: a file judged before (same bytes, name and
judging context) is taken from the store as judged, with no worker; whatever the judgement
depends on (the file, the catalogue, the criteria set, the registry, the judging code) makes
it be judged again, and the result always equals a run without the store."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import sqlite3
import zlib
from datetime import date
from pathlib import Path

import pytest

import ntm_excel.check.record as record
import ntm_excel.history as history_module
from ntm_excel.check.consolidate import _Batch, _Judge, check_files, consolidate
from ntm_excel.config import BUNDLED, load_config, vietnam_time
from ntm_excel.history import History, decode_judgement, decode_reading
from ntm_excel.model import COMMUNE, Status
from ntm_excel.read.batch import read_files
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.catalog import Catalog, load_catalog
from ntm_excel.reference.registry import Registry, load_registry
from ntm_excel.store import DB_NAME, SCHEMA_VERSION

SET = "xa_2016_2020"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(load_config().catalog)


@pytest.fixture
def inbox(tmp_path: Path) -> list[Path]:
    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    return list_submissions([tmp_path / "inbox"]).files


def _same(a, b) -> None:
    """Two `check_files` results tell the same."""
    assert a.units == b.units and a.loose == b.loose and a.levels == b.levels
    assert a.submissions == b.submissions and a.candidates == b.candidates


class _Forged:
    """Unpickled, it would run `touch marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _forged(marker: Path) -> bytes:
    """A stored blob that would create `marker` if it were unpickled unrestricted."""
    return zlib.compress(pickle.dumps(_Forged(marker)))


def _check(files, catalog, registry, history=None, workers=2, catalog_set=SET):
    return check_files(
        files,
        catalog=catalog,
        registry=registry,
        catalog_set=catalog_set,
        workers=workers,
        history=history,
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_rerun_takes_every_judgement_from_the_store(tmp_path, inbox, catalog, workers):
    registry = load_registry(load_config().registry)
    plain = _check(inbox, catalog, registry)
    with History(tmp_path / "var") as history:
        first = _check(inbox, catalog, registry, history, workers)
        again = _check(inbox, catalog, registry, history, workers)
        stored = history.db.execute("SELECT COUNT(*) FROM judgements").fetchone()[0]
    readable = sum(1 for judged in first.reading.results if judged.reading[0][0] is not None)
    assert readable == stored == 20 and len(inbox) == 22  # two files cannot be read
    assert (first.reading.judged, first.reading.parsed) == (0, 22)
    assert (again.reading.judged, again.reading.parsed) == (20, 2)  # the two tried again
    _same(first, plain)
    _same(again, plain)


def test_a_changed_touched_or_moved_file(tmp_path, inbox, catalog):
    """A changed file is read and judged again; a file only touched or moved is taken from
    the store with its new time and place."""
    registry = load_registry(load_config().registry)
    with History(tmp_path / "var") as history:
        _check(inbox, catalog, registry, history)
        changed, touched, moved = inbox[0], inbox[1], inbox[2]
        changed.write_bytes(inbox[3].read_bytes())  # another commune's file under its name
        os.utime(touched, (1_600_000_000, 1_600_000_000))
        (tmp_path / "inbox" / "khac").mkdir()
        files = [*inbox[:2], moved.rename(tmp_path / "inbox" / "khac" / moved.name), *inbox[3:]]
        again = _check(files, catalog, registry, history)
    assert (again.reading.judged, again.reading.parsed) == (19, 3)
    _same(again, _check(files, catalog, registry))
    by_name = {s.file_name: s for s in again.submissions}
    assert by_name[touched.name].modified == vietnam_time(1_600_000_000)
    assert by_name[moved.name].path == str(files[2])


def _renamed_criterion(catalog: Catalog, set_id: str = SET) -> Catalog:
    """The catalogue with criterion 1 of `set_id` renamed."""
    renamed = [
        dataclasses.replace(i, criterion_name="Quy hoạch (tên mới)")
        if (i.set_id, i.criterion_no) == (set_id, 1)
        else i
        for i in catalog.indicators
    ]
    return dataclasses.replace(catalog, indicators=tuple(renamed))


def test_what_a_judgement_depends_on_makes_it_judged_again(tmp_path, inbox, catalog, monkeypatch):
    """A catalogue edit (even of rows the files are not read against), another criteria
    set, a registry edit or another judging code: no judgement is taken from the store, and
    the result is a run without the store's."""
    registry = load_registry(load_config().registry)
    unit = next(u for u in registry.units if u.tier == COMMUNE)
    edited_registry = Registry(  # one commune renamed
        [
            dataclasses.replace(u, name=u.name + " (mới)") if u is unit else u
            for u in registry.units
        ],
        registry.notes,
        registry.path,
    )
    edited = _renamed_criterion(catalog)
    with History(tmp_path / "var") as history:
        _check(inbox, catalog, registry, history)
        other_rows = _renamed_criterion(catalog, "xa_2021_2025")
        after_other_rows = _check(inbox, other_rows, registry, history)
        after_catalogue = _check(inbox, edited, registry, history)
        after_set = _check(inbox, edited, registry, history, catalog_set="xa_2021_2025")
        after_registry = _check(inbox, edited, edited_registry, history)
        monkeypatch.setattr(record, "checker_version", lambda: "another judging code")
        after_code = _check(inbox, edited, edited_registry, history)
        monkeypatch.undo()
        again = _check(inbox, edited, edited_registry, history)  # back to this code's
    assert after_other_rows.reading.judged == 0 and after_other_rows.reading.parsed == 2
    _same(after_other_rows, _check(inbox, other_rows, registry))
    assert after_catalogue.reading.judged == 0
    _same(after_catalogue, _check(inbox, edited, registry))
    assert any(c.name == "Quy hoạch (tên mới)" for r, _ in after_catalogue.units.values()
               for c in r.criteria)  # fmt: skip
    assert after_set.reading.judged == 0
    _same(after_set, _check(inbox, edited, registry, catalog_set="xa_2021_2025"))
    assert after_registry.reading.judged == 0 and after_registry.reading.parsed == 22
    _same(after_registry, _check(inbox, edited, edited_registry))
    assert after_code.reading.judged == 0 and after_code.reading.parsed == 2
    assert again.reading.judged == 0  # the other code's judgements replaced this code's
    _same(again, after_registry)


def test_another_reporting_date_uses_the_judgements(tmp_path, inbox, catalog):
    """Judging does not depend on the reporting date: a run on another date takes the
    judgements from the store and gives what a run without the store gives."""
    registry = load_registry(load_config().registry)
    given = {"catalog": catalog, "registry": registry, "catalog_set": SET, "workers": 2}
    deadline = date(2021, 3, 15)
    with History(tmp_path / "var") as history:
        consolidate(inbox, as_of=date(2021, 3, 10), history=history, **given)
        later = consolidate(
            inbox, as_of=date(2021, 4, 30), reporting_deadline=deadline, history=history, **given
        )
    plain = consolidate(inbox, as_of=date(2021, 4, 30), reporting_deadline=deadline, **given)
    assert later.history.reused == 20
    assert later.units == plain.units and later.issues == plain.issues


def test_a_damaged_or_forged_judgement_is_not_used(tmp_path, inbox, catalog):
    """A stored judgement that cannot be decoded, or that would build anything but the
    package's data (here: a call of os.system), is not used: that file is judged again."""
    registry = load_registry(load_config().registry)
    marker = tmp_path / "ran"

    with History(tmp_path / "var") as history:
        _check(inbox, catalog, registry, history)
        with history.transaction() as db:
            db.execute("UPDATE judgements SET result = ? WHERE name = ?", (b"hong", inbox[0].name))
            forged = _forged(marker)
            db.execute("UPDATE judgements SET result = ? WHERE name = ?", (forged, inbox[1].name))
        again = _check(inbox, catalog, registry, history)
        mended = _check(inbox, catalog, registry, history)
    assert not marker.exists()
    assert again.reading.judged == 18 and again.reading.parsed == 2  # read from the store
    assert mended.reading.judged == 20  # the two judged again were stored again
    _same(again, _check(inbox, catalog, registry))


def test_a_store_of_the_previous_schema_gains_the_judgement_cache(tmp_path, inbox, catalog):
    """A store of schema 2 (before the judgement cache) is upgraded when opened, a copy of
    it kept; what it held is used: the readings are not parsed again."""
    registry = load_registry(load_config().registry)
    state = tmp_path / "var"
    with History(state) as history:
        _check(inbox, catalog, registry, history)
    with sqlite3.connect(state / DB_NAME) as db:  # as the previous release left it
        db.execute("DROP TABLE judgements")
        db.execute("DROP TABLE file_stats")
        db.execute("PRAGMA user_version = 2")
    with History(state) as history:
        assert history.schema_version == SCHEMA_VERSION == 4
        upgraded = _check(inbox, catalog, registry, history)
        again = _check(inbox, catalog, registry, history)
    kept = sqlite3.connect(state / f"{DB_NAME}.truoc-v4.bak")
    assert kept.execute("PRAGMA user_version").fetchone() == (2,)
    assert kept.execute("SELECT COUNT(*) FROM readings").fetchone() == (20,)
    assert (upgraded.reading.parsed, upgraded.reading.judged) == (2, 0)
    assert (again.reading.parsed, again.reading.judged) == (2, 20)


def test_feedback_reached_through_a_linked_folder_is_kept_when_unchanged(tmp_path, capsys):
    """The feedback written before is found in the history whichever way its folder is
    named (here through a symbolic link), and kept when its unit's file and issues are the
    same; one deleted is written again."""
    from support.samples import SampleSpec, write_sample

    from ntm_excel.cli import main

    inbox, real = tmp_path / "inbox", tmp_path / "ket_qua"
    inbox.mkdir()
    real.mkdir()
    (tmp_path / "lien_ket").symlink_to(real, target_is_directory=True)
    out = tmp_path / "lien_ket"
    write_sample(inbox / "cam_thanh.xlsx", SampleSpec(blank_values=("4.2",)))
    write_sample(inbox / "cam_lac.xlsx", SampleSpec(unit_code="18748", unit_name="Xã Cẩm Lạc",
                                                    blank_values=("14.2",)))  # fmt: skip
    args = [
        "consolidate", str(inbox), "-o", str(out / "tong_hop.xlsx"), "--as-of", "2021-03-25",
        "--state-dir", str(tmp_path / "var"),
    ]  # fmt: skip
    assert main(args) == 0
    feedback = {p.name: p.stat().st_mtime_ns for p in (real / "gop_y").glob("*.xlsx")}
    assert len(feedback) == 2
    (real / "gop_y" / "Góp ý - Xã Cẩm Lạc.xlsx").unlink()
    assert main(args) == 0
    capsys.readouterr()
    again = {p.name: p.stat().st_mtime_ns for p in (real / "gop_y").glob("*.xlsx")}
    assert again["Góp ý - Xã Cẩm Thành.xlsx"] == feedback["Góp ý - Xã Cẩm Thành.xlsx"]  # kept
    assert again.keys() == feedback.keys()  # the deleted one written again


def test_one_blob_holds_a_files_reading_and_its_judgement(tmp_path, inbox, catalog):
    """Each file's reading and its judgement are kept as one blob, in both caches: it gives
    back the reading as reading the file gives it, and the judgement as judging it gives
    it, the judgement's reading being that same reading."""
    registry = load_registry(load_config().registry)
    batch = _Batch(catalog, SET, registry)
    indicators = batch.indicators("Hà Tĩnh")
    fresh = read_files(inbox, registry, indicators, then=_Judge(batch), workers=1)
    with History(tmp_path / "var") as history:
        _check(inbox, catalog, registry, history)
        readings = dict(history.db.execute("SELECT name, result FROM readings").fetchall())
        judgements = dict(history.db.execute("SELECT name, result FROM judgements").fetchall())
    assert readings == judgements and len(readings) == 20
    by_name = {path.name: judged for path, judged in zip(inbox, fresh, strict=True)}
    for name, blob in readings.items():
        judged = by_name[name]
        submission = judged.reading[0][0]
        reading = decode_reading(blob, Path(submission.path), submission.modified)
        again = decode_judgement(blob, submission.path, submission.modified)
        assert reading == judged.reading and again == judged


def test_a_forged_or_earlier_form_reading_is_not_used(tmp_path, inbox, catalog, monkeypatch):
    """A stored reading that would build anything but the package's data (here: a call of
    os.system), or one kept in the earlier JSON form, is not used: that file is read again,
    and the result is a run without the store's."""
    registry = load_registry(load_config().registry)
    marker = tmp_path / "ran"

    with History(tmp_path / "var") as history:
        _check(inbox, catalog, registry, history)
        earlier = zlib.compress(
            json.dumps({"units": [{"submission": None, "issues": []}]}).encode()
        )
        with history.transaction() as db:
            forged = _forged(marker)
            db.execute("UPDATE readings SET result = ? WHERE name = ?", (forged, inbox[0].name))
            db.execute("UPDATE readings SET result = ? WHERE name = ?", (earlier, inbox[1].name))
        monkeypatch.setattr(record, "checker_version", lambda: "another judging code")
        again = _check(inbox, catalog, registry, history)  # the readings used, not judgements
    assert not marker.exists()
    assert (again.reading.judged, again.reading.parsed) == (0, 4)  # 2 unreadable, 2 above
    _same(again, _check(inbox, catalog, registry))


def _loaded(opcodes: bytes) -> object:
    """A blob of `opcodes` (a pickle's body) read back as a stored reading."""
    blob = zlib.compress(b"\x80\x04" + opcodes + b".")
    return decode_reading(blob, Path("x.xlsx"), vietnam_time(0))


def test_a_blob_that_changes_the_programs_types_is_refused_and_undone():
    """Pickle's BUILD sets attributes on what it is given, a class or an enum member too: a
    blob that would make every «Đạt» read «Chưa đạt» for the rest of the run is refused, and
    the classes are as they were."""
    member = next(iter(Status))
    emptied = b"}(V_value2member_map_\n}u"  # {"_value2member_map_": {}}
    with pytest.raises(pickle.UnpicklingError):
        _loaded(b"cntm_excel.model\nStatus\nN" + emptied + b"\x86b")  # Status's own map
    assert Status(member.value) is member
    renamed = b"}(V_value_\nVother\nu"  # {"_value_": "other"}
    value = member.value.encode("raw_unicode_escape")
    with pytest.raises(pickle.UnpicklingError):  # a member, as `Status(value)` gives it
        _loaded(b"cntm_excel.model\nStatus\nV" + value + b"\n\x85RN" + renamed + b"\x86b")
    assert member.value == member._value_ and Status(member.value) is member


@pytest.mark.parametrize(
    "name",
    [
        "ntm_excel.__main__\nmain",  # importing it would run the command line
        "ntm_excel.check.consolidate\n_Judge",  # a data class that can be called
        "ntm_excel.read.reader\nSubmission",  # a submission named where it is only imported
        "ntm_excel.model\nenum.Enum",  # a dotted name reaching beyond the module
        "builtins\neval",
    ],
)
def test_a_blob_names_only_the_data_it_may_hold(name):
    with pytest.raises(pickle.UnpicklingError):
        _loaded(b"c" + name.encode() + b"\n")


def test_a_blob_is_not_inflated_beyond_its_limit(monkeypatch):
    monkeypatch.setattr(history_module, "MAX_INFLATED", 1000)
    with pytest.raises(pickle.UnpicklingError):
        _loaded(b"V" + b"a" * 5000 + b"\n")
    assert _loaded(b"Vab\n") == "ab"  # within the limit


def test_the_readings_are_stored_once_the_feedback_can_begin(tmp_path, inbox, catalog):
    """`consolidate` stores what it read and judged after `judged` has begun the work that
    needs only the judgements (the feedback workbooks), not before; a run that stops there
    stores nothing, and the next run reads every file again and stores them."""
    registry = load_registry(load_config().registry)
    given = {"catalog": catalog, "registry": registry, "catalog_set": SET, "workers": 2}
    stored = []

    def count(history: History) -> tuple[int, int]:
        tables = ("readings", "judgements")
        return tuple(history.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)

    def stop(_) -> None:
        stored.append(count(history))
        raise KeyboardInterrupt

    with History(tmp_path / "var") as history:
        with pytest.raises(KeyboardInterrupt):
            consolidate(inbox, as_of=date(2021, 3, 10), history=history, judged=stop, **given)
        assert stored == [(0, 0)] and count(history) == (0, 0)
        first = consolidate(inbox, as_of=date(2021, 3, 10), history=history, **given)
        assert count(history) == (20, 20)  # two files cannot be read
        again = consolidate(inbox, as_of=date(2021, 3, 10), history=history, **given)
    assert (first.history.parsed, again.history.parsed) == (22, 2)  # the two tried again
    assert again.units == first.units and again.issues == first.issues
