"""Recording versions in the history store (`History.record`): each version's rows as
given, statuses and severities stored as their text, a version recorded again in the same
judging context left as it is, one judged in another context replaced in place, and new
versions numbered after the ones already there."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

from ntm_excel.history import CriterionRecord, History, ValueRecord, VersionRecord
from ntm_excel.issues import Issue, Severity
from ntm_excel.model import Status, Task
from ntm_excel.store import DB_NAME

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN


def _version(sha256: str, context: str = "a", share: float = 95.5) -> VersionRecord:
    return VersionRecord(
        unit_code="18694",
        sha256=sha256,
        name="cam_thanh.xlsx",
        report_date=date(2021, 3, 10),
        catalog_set="xa_2016_2020",
        context=context,
        criteria_met=1,
        criteria_total=2,
        meets_all=False,
        errors=1,
        warnings=0,
        values=(
            ValueRecord("1.1", 1, "Quy hoạch", "Đạt", "Đạt", MET, MET, MET, "TC", "E10"),
            ValueRecord("2.1", 2, "Giao thông", "95,5", share, MET, NOT_MET, NOT_MET, "TC", "E11"),
            ValueRecord("2.2", 2, "Đường", "", None, UNKNOWN, UNKNOWN, UNKNOWN, "TC", "E12"),
            ValueRecord("2.3", 2, "Cầu", "3", 3, MET, MET, MET, "TC", "E13"),
        ),
        criteria=(CriterionRecord(1, "Quy hoạch", MET), CriterionRecord(2, "Giao thông", NOT_MET)),
        tasks=(
            Task("unit", "18694", 2, "Làm đường", "quý II/2021", date(2021, 6, 30), ("Ông Hà",)),
        ),
        issues=(Issue("value-low", Severity.ERROR, "Thấp hơn ngưỡng", "18694", "f", "T", "E11"),),
    )  # fmt: skip


def _archived(history: History, *contents: bytes) -> list[str]:
    now = datetime.now(UTC)
    return [history.record_mail(data, "f.xlsx", now) for data in contents]


def _record(history: History, records: list[VersionRecord]) -> int:
    return history.record(
        records, as_of=date(2021, 3, 25), catalog_set="xa_2016_2020", inputs=[], parsed=1
    )


def test_a_version_is_recorded_with_its_rows_as_given(tmp_path):
    with History(tmp_path) as history:
        [digest] = _archived(history, b"one")
        _record(history, [_version(digest)])
        [version] = history.versions()
        detail = history.detail(version)
    record = _version(digest)
    assert (version.sha256, version.criteria_met, version.errors) == (digest, 1, 1)
    assert detail.values == {v.code: v._replace(value=_number(v.value)) for v in record.values}
    assert detail.criteria == {c.criterion_no: c for c in record.criteria}
    assert [(t.text, t.due, t.owners) for t in detail.tasks] == [
        ("Làm đường", date(2021, 6, 30), ("Ông Hà",))
    ]
    assert [(i.code, i.severity, i.cell) for i in detail.issues] == [
        ("value-low", Severity.ERROR, "E11")
    ]
    db = sqlite3.connect(tmp_path / DB_NAME)  # the columns as other tools read them
    assert db.execute(
        "SELECT indicator_code, value_number, value_text, self_assessment, computed_status,"
        " status FROM version_values ORDER BY indicator_code"
    ).fetchall() == [
        ("1.1", None, "Đạt", "met", "met", "met"),
        ("2.1", 95.5, None, "met", "not_met", "not_met"),
        ("2.2", None, None, "unknown", "unknown", "unknown"),
        ("2.3", 3.0, None, "met", "met", "met"),
    ]
    assert db.execute("SELECT status FROM version_criteria ORDER BY criterion_no").fetchall() == [
        ("met",),
        ("not_met",),
    ]
    assert db.execute("SELECT severity, owners FROM version_issues, version_tasks").fetchall() == [
        ("error", '["Ông Hà"]')
    ]


def _number(value):
    return float(value) if isinstance(value, int | float) else value


def test_a_version_judged_in_another_context_is_replaced_in_place(tmp_path):
    """The same context: left as it is; another: its rows replaced, its id kept; a version
    given twice in one run is recorded once; new versions are numbered after the others."""
    with History(tmp_path) as history:
        first, second, third = _archived(history, b"one", b"two", b"three")
        _record(history, [_version(first), _version(second)])
        before = {v.sha256: v.id for v in history.versions()}
        _record(history, [_version(first, share=10.0)])  # the same context: left as it is
        _record(history, [_version(second, "b", share=42.0), _version(third), _version(third)])
        after = {v.sha256: v for v in history.versions()}
        details = history.details(after.values())
        rows = history.db.execute("SELECT COUNT(*) FROM version_values").fetchone()[0]
    assert {digest: v.id for digest, v in after.items() if digest != third} == before
    assert after[third].id == max(before.values()) + 1
    assert details[before[first]].values["2.1"].value == 95.5
    assert details[before[second]].values["2.1"].value == 42.0
    assert rows == 3 * 4  # the replaced version's rows are not doubled, nor the twice-given's
    assert [len(details[v.id].tasks) for v in after.values()] == [1, 1, 1]
