"""The submission history: three monthly periods of real workbooks sent late, missing, changed,
re-sent, replaced and deleted, consolidated into a real SQLite store as the office would, and
what it shows (completeness, changes, trend, the master's sheets, the history command, the
archive that gives every file back)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from support.master_bytes import fast_and_plain
from support.samples import SampleSpec, write_sample

from ntm_excel.check.consolidate import consolidate
from ntm_excel.check.progress import Standing
from ntm_excel.cli import main
from ntm_excel.config import VIETNAM_TIME, load_config
from ntm_excel.history import History
from ntm_excel.model import Status
from ntm_excel.periods import Calendar
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.plan import Plan, Target
from ntm_excel.reference.registry import Registry, load_registry, write_registry
from ntm_excel.write.master import write_master

SET = "xa_2016_2020"
THANH, LAC, BINH, YEN_HOA = "18694", "18748", "18685", "18679"
UNITS = {
    THANH: "Xã Cẩm Thành",
    LAC: "Xã Cẩm Lạc",
    BINH: "Xã Cẩm Bình",
    YEN_HOA: "Xã Yên Hòa",
}
COMMUNES_TARGET = Target(
    "CT-2", "100% số xã đạt chuẩn", "đạt chuẩn", unit_name="Tất cả các xã",
    deadline_text="trong quý I/2021", due=date(2021, 3, 31),
)  # fmt: skip
CALENDAR = Calendar(due_day=15)


def at(month: int, day: int) -> float:
    """9:00 in Vietnam on a day of 2021, as a file time."""
    return datetime(2021, month, day, 9, 0, tzinfo=VIETNAM_TIME).timestamp()


class Campaign:
    """An inbox that communes fill, change and empty over time, consolidated into the store
    at `root/var` as the office does it."""

    def __init__(self, root: Path, registry: Registry, catalog) -> None:
        self.inbox = root / "inbox"
        self.inbox.mkdir(parents=True)
        self.state = root / "var"
        self.registry, self.catalog = registry, catalog
        self.sent: dict[str, bytes] = {}  # every distinct file that was ever in the inbox
        self.names: dict[str, str] = {}  # its first name

    def put(self, name: str, month: int, day: int, **spec) -> Path:
        """A commune's workbook arriving on `day`/`month` (its file time), signed then unless
        the spec says otherwise."""
        path = self.inbox / name
        spec = {"signed_month": month, "signed_day": day} | spec
        write_sample(path, SampleSpec(**spec))
        return self._arrived(path, month, day)

    def copy(self, source: str, name: str, month: int, day: int) -> Path:
        path = self.inbox / name
        path.write_bytes((self.inbox / source).read_bytes())
        return self._arrived(path, month, day)

    def _arrived(self, path: Path, month: int, day: int) -> Path:
        os.utime(path, (at(month, day), at(month, day)))
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        self.sent.setdefault(digest, data)
        self.names.setdefault(digest, path.name)
        return path

    def remove(self, name: str) -> None:
        (self.inbox / name).unlink()

    def run(self, as_of: date, **options):
        with History(self.state) as history:
            return consolidate(
                [self.inbox],
                catalog=self.catalog,
                registry=self.registry,
                catalog_set=SET,
                as_of=as_of,
                plan=Plan(tasks=(), targets=(COMMUNES_TARGET,)),
                history=history,
                calendar=CALENDAR,
                workers=1,
                **options,
            )


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(load_config().catalog)


@pytest.fixture(scope="module")
def registry():
    bundled = load_registry(load_config().registry)
    return Registry([u for u in bundled.units if u.code in UNITS])


def january(c: Campaign):
    c.put("cam_thanh.xlsx", 1, 10)  # on time, meets every criterion
    c.put("cam_lac.xls", 1, 20, unit_code=LAC, unit_name=UNITS[LAC], format="xls")  # late
    c.put("cam_binh.ods", 1, 12, unit_code=BINH, unit_name=UNITS[BINH], format="ods")
    return c.run(date(2021, 1, 31))  # Yên Hòa sends nothing


def early_february(c: Campaign):
    c.put("cam_thanh.xlsx", 2, 10, not_met=("14.3",))  # replaces January's file
    c.copy("cam_lac.xls", "cam_lac_gui_lai.xls", 2, 5)  # January's file sent again
    return c.run(date(2021, 2, 11))


def late_february(c: Campaign):
    c.put("cam_thanh.xlsx", 2, 12, not_met=("14.3", "5"))  # a correction, same period
    c.put("yen_hoa.xlsx", 2, 14, unit_code=YEN_HOA, unit_name=UNITS[YEN_HOA], signature=False)
    c.put("cam_binh_thang_2.ods", 2, 16, unit_code=BINH, unit_name=UNITS[BINH], format="ods")
    return c.run(date(2021, 2, 28))


def march(c: Campaign):
    c.put("cam_thanh.xlsx", 3, 12)  # criteria 5 and 14 met again
    for name in ("cam_lac.xls", "cam_lac_gui_lai.xls", "cam_binh.ods", "cam_binh_thang_2.ods"):
        c.remove(name)  # Cẩm Lạc keeps only its new file; Cẩm Bình deleted both of its own
    c.put("cam_lac_thang_3.xls", 3, 18, unit_code=LAC, unit_name=UNITS[LAC], format="xls",
          done_tasks=(1, 2))  # fmt: skip
    return c.run(date(2021, 3, 25))


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, registry, catalog):
    """The three months, consolidated after each step; the results by step."""
    c = Campaign(tmp_path_factory.mktemp("history"), registry, catalog)
    c.results = {}
    for step in (january, early_february, late_february, march):
        c.results[step.__name__] = step(c)
    return c


def figures(result, key: str):
    return next(f for f in result.history.figures if f.period.key == key)


def counts(result, key: str) -> tuple[int, int, int, int, int]:
    f = figures(result, key)
    return f.expected, f.on_time, f.late, f.missing, f.pending


# --- completeness and timeliness -----------------------------------------------------------


def test_completeness_and_timeliness_per_period(campaign):
    final = campaign.results["march"].history
    assert [p.key for p in final.periods] == ["2021-01", "2021-02", "2021-03"]
    assert [p.due for p in final.periods] == [
        date(2021, 1, 15),
        date(2021, 2, 15),
        date(2021, 3, 15),
    ]
    # (expected, on time, late, missing, not yet due)
    assert counts(campaign.results["march"], "2021-01") == (4, 2, 1, 1, 0)
    assert counts(campaign.results["march"], "2021-02") == (4, 2, 1, 1, 0)
    assert counts(campaign.results["march"], "2021-03") == (4, 1, 1, 2, 0)
    assert [f.versions for f in final.figures] == [3, 4, 2]
    assert figures(campaign.results["march"], "2021-02").rate(3) == 0.75

    standing = {u.unit.code: [(p.standing, p.first_day) for p in u.periods] for u in final.units}
    assert standing[THANH] == [
        (Standing.ON_TIME, date(2021, 1, 10)),
        (Standing.ON_TIME, date(2021, 2, 10)),  # its first file of the month counts
        (Standing.ON_TIME, date(2021, 3, 12)),
    ]
    assert standing[LAC] == [
        (Standing.LATE, date(2021, 1, 20)),
        (Standing.MISSING, None),  # sending January's file again is no report for February
        (Standing.LATE, date(2021, 3, 18)),
    ]
    assert standing[BINH] == [
        (Standing.ON_TIME, date(2021, 1, 12)),
        (Standing.LATE, date(2021, 2, 16)),
        (Standing.MISSING, None),
    ]
    assert standing[YEN_HOA] == [
        (Standing.MISSING, None),
        (Standing.ON_TIME, date(2021, 2, 14)),  # unsigned: its arrival counts
        (Standing.MISSING, None),
    ]
    thanh = next(u for u in final.units if u.unit.code == THANH)
    assert len(thanh.periods[1].versions) == 2  # the correction is a second version


def test_a_period_not_yet_due_counts_nobody_missing(campaign):
    early = campaign.results["early_february"]
    assert counts(early, "2021-02") == (4, 1, 0, 0, 3)
    assert counts(early, "2021-01") == (4, 2, 1, 1, 0)


# --- versions and the archive --------------------------------------------------------------


def test_every_distinct_file_is_archived_exactly_once_and_given_back(campaign):
    with History(campaign.state) as history:
        stored = [row[0] for row in history.db.execute("SELECT sha256 FROM archive")]
        assert sorted(stored) == sorted(campaign.sent)  # the re-sent copy is stored once
        assert len(stored) == 9
        for digest, data in campaign.sent.items():
            assert history.content(digest) == data  # deleted and replaced files included
        packings = dict(history.db.execute("SELECT packing, COUNT(*) FROM archive GROUP BY 1"))
        assert packings == {"raw": 7, "zlib": 2}  # the .xls packed; .xlsx, .ods zipped already
        versions = history.versions()
    by_unit = {code: [v.name for v in versions if v.unit_code == code] for code in UNITS}
    assert by_unit == {
        THANH: ["cam_thanh.xlsx"] * 4,  # the same name, four contents
        LAC: ["cam_lac.xls", "cam_lac_thang_3.xls"],
        BINH: ["cam_binh.ods", "cam_binh_thang_2.ods"],
        YEN_HOA: ["yen_hoa.xlsx"],
    }
    assert [v.criteria_met for v in versions if v.unit_code == THANH] == [20, 19, 18, 20]


def test_history_export_gives_back_the_bytes_received(campaign, tmp_path, capsys):
    state = str(campaign.state)
    deleted = next(d for d, n in campaign.names.items() if n == "cam_binh.ods")
    target = tmp_path / "lay_lai"
    target.mkdir()
    assert main(["history", "export", deleted[:12], "-o", str(target), "--state-dir", state]) == 0
    assert (target / "cam_binh.ods").read_bytes() == campaign.sent[deleted]
    assert "đúng như tệp «cam_binh.ods»" in capsys.readouterr().out

    first = next(d for d, n in campaign.names.items() if n == "cam_thanh.xlsx")
    out = tmp_path / "thang_1.xlsx"
    assert main(["history", "export", first, "-o", str(out), "--state-dir", state]) == 0
    assert out.read_bytes() == campaign.sent[first]  # replaced twice since, still there

    # a name that arrived with four contents: the office is asked which one
    assert main(["history", "export", "cam_thanh.xlsx", "--state-dir", state]) == 2
    listing = capsys.readouterr().out
    assert "4 tệp khác nhau" in listing and first[:12] in listing
    assert main(["history", "export", "khong_co.xlsx", "--state-dir", state]) == 2


def test_export_and_backup_never_overwrite_without_force(campaign, tmp_path, capsys):
    """An existing file is left as it was, with a word saying why and how; --force replaces
    it. The store itself is never a backup's target."""
    state = ["--state-dir", str(campaign.state)]
    digest = next(d for d, n in campaign.names.items() if n == "cam_binh.ods")
    target = tmp_path / "cam_binh.ods"
    target.write_bytes(b"the office's own file")
    assert main(["history", "export", digest[:12], "-o", str(target), *state]) == 2
    err = capsys.readouterr().err
    assert f"Đã có tệp {target}: không ghi đè" in err and "--force" in err
    assert target.read_bytes() == b"the office's own file"
    folder = tmp_path  # into a folder holding a file of that name: refused the same way
    assert main(["history", "export", digest[:12], "-o", str(folder), *state]) == 2
    assert target.read_bytes() == b"the office's own file"
    assert main(["history", "export", digest[:12], "-o", str(target), "--force", *state]) == 0
    assert target.read_bytes() == campaign.sent[digest]

    copy = tmp_path / "sao_luu.sqlite3"
    copy.write_bytes(b"last week's backup")
    assert main(["history", "backup", str(copy), *state]) == 2
    assert f"Đã có tệp {copy}: không ghi đè" in capsys.readouterr().err
    assert copy.read_bytes() == b"last week's backup"
    assert main(["history", "backup", str(copy), "--force", *state]) == 0
    assert copy.read_bytes().startswith(b"SQLite format 3")
    store = campaign.state / "ntm-excel.sqlite3"
    assert main(["history", "backup", str(store), "--force", *state]) == 2
    assert "là chính kho trạng thái" in capsys.readouterr().err


def test_history_help_shows_the_sub_commands_as_optional(capsys):
    with pytest.raises(SystemExit):
        main(["history", "--help"])
    shown = capsys.readouterr().out
    usage = shown.split("\n\n")[0]
    assert "LỆNH_CON" not in shown
    assert usage.startswith("Cách dùng: ntm-excel history [--unit ĐƠN_VỊ]")
    assert "ntm-excel history export MÃ_HOẶC_TÊN [-o ĐÍCH] [--force]" in usage
    assert "ntm-excel history backup TỆP [--force]" in usage
    assert "Lệnh con (không bắt buộc)" in shown


def test_part_of_a_units_name_lists_the_units_it_may_mean(tmp_path, capsys):
    assert main(["history", "--unit", "Yên", "--state-dir", str(tmp_path)]) == 2
    assert "1 đơn vị có tên chứa «Yên»: Xã Yên Hòa (mã 18679)" in capsys.readouterr().err


# --- changes and trend ---------------------------------------------------------------------


def test_changes_between_each_units_two_latest_versions(campaign):
    changes = {c.unit.code: c for c in campaign.results["march"].history.changes}
    assert set(changes) == {THANH, LAC, BINH}  # Yên Hòa sent one file only

    thanh = changes[THANH]
    assert (thanh.before.criteria_met, thanh.after.criteria_met) == (18, 20)
    assert [(c.code, c.before_status, c.after_status) for c in thanh.criteria] == [
        ("5", Status.NOT_MET, Status.MET),
        ("14", Status.NOT_MET, Status.MET),
    ]
    moved = {c.code: (c.before_status, c.after_status) for c in thanh.indicators}
    assert moved["5"] == moved["14.3"] == (Status.NOT_MET, Status.MET)
    assert all(c.before != c.after for c in thanh.indicators if c.code in ("5", "14.3"))
    assert thanh.summary().startswith("18 → 20/20 tiêu chí đạt; tiêu chí 5 Chưa đạt → Đạt")

    lac = changes[LAC]  # the same figures, two roadmap tasks now done
    assert lac.criteria == [] and lac.indicators == []
    assert len(lac.tasks_done) == 2 and lac.tasks_added == lac.tasks_removed == 0
    assert "2 việc mới hoàn thành" in lac.summary()

    binh = changes[BINH]  # sent again the next month with nothing changed
    assert binh.changes == [] and "không đổi số liệu" in binh.summary()


def test_trend_toward_the_target(campaign):
    view = campaign.results["march"].history
    assert [f.communes_meeting for f in view.figures] == [3, 3, 4]  # each by its latest file
    assert [f.criteria_met for f in view.figures] == [60, 78, 80]
    [target] = view.targets
    assert (target.goal, target.values, target.deadline) == (4, [3, 3, 4], date(2021, 3, 31))
    assert target.met and target.days_left == 6


def test_changes_since_a_date_for_the_weekly_and_monthly_mail(campaign, registry):
    from ntm_excel.check.progress import changes_since

    since = datetime(2021, 3, 1, tzinfo=VIETNAM_TIME)
    with History(campaign.state) as history:
        found = changes_since(history, registry.units, since)
    assert [c.unit.code for c in found] == [THANH, LAC]  # Cẩm Bình sent nothing in March
    assert found[0].before.report_date == date(2021, 2, 12)


# --- re-runs -------------------------------------------------------------------------------


def table_rows(state: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(state / "ntm-excel.sqlite3") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(map(tuple, db.execute(f"SELECT * FROM {t}"))) for t in tables}


def test_a_repeat_consolidation_changes_no_row_and_parses_nothing(campaign, monkeypatch):
    import ntm_excel.read.batch as batch

    parsed = []
    real = batch.read_workbook
    monkeypatch.setattr(
        batch, "read_workbook", lambda path, *a: parsed.append(path) or real(path, *a)
    )
    before = table_rows(campaign.state)
    again = campaign.run(date(2021, 3, 25))
    after = table_rows(campaign.state)
    assert parsed == [] and again.history.parsed == 0 and again.history.reused == 3
    runs = after.pop("consolidations")
    assert runs[:-1] == before.pop("consolidations")  # one more run noted, nothing else
    assert after == before
    assert runs[-1][4] == runs[-2][4]  # the same inputs (names and hashes) as the last run
    assert again.history.figures == campaign.results["march"].history.figures


def test_one_changed_file_adds_exactly_one_version(campaign, registry, catalog, tmp_path):
    c = Campaign(tmp_path, registry, catalog)
    january(c)
    c.run(date(2021, 1, 31))
    before = table_rows(c.state)
    c.put("cam_binh.ods", 1, 14, unit_code=BINH, unit_name=UNITS[BINH], format="ods",
          not_met=("7",))  # fmt: skip
    result = c.run(date(2021, 1, 31))
    after = table_rows(c.state)
    assert len(after["versions"]) == len(before["versions"]) + 1
    assert set(before["versions"]) < set(after["versions"])
    assert len(after["archive"]) == len(before["archive"]) + 1
    assert result.history.parsed == 1 and result.history.reused == 2
    [change] = result.history.changes
    assert change.unit.code == BINH and [c.code for c in change.criteria] == ["7"]


# --- what people see ------------------------------------------------------------------------


def test_master_has_the_history_and_changes_sheets(campaign, tmp_path):
    path = write_master(campaign.results["march"], tmp_path / "tong_hop.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[-2:] == ["Lịch sử nộp", "Thay đổi"]
    sheet = book["Lịch sử nộp"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    february = next(r for r in rows if r[0] == "Tháng 2/2021")
    assert february[1:8] == [datetime(2021, 2, 15), 4, 3, 2, 1, 1, 0]
    lac = next(r for r in rows if r[0] == "Xã Cẩm Lạc")
    assert lac[1:6] == [LAC, "! 20/01", "— Chưa nộp", "! 18/03", 2]
    thanh = next(r for r in rows if r[0] == "Xã Cẩm Thành")
    assert thanh[3] == "✓ 10/02 (2 bản)"
    late = next(c for c in sheet["C"] if c.value == "! 20/01")
    assert late.fill.fgColor.rgb.endswith("FFEB9C")  # amber, and the word says it too
    assert len(sheet._charts) == 2

    changes = book["Thay đổi"]
    values = [[c.value for c in row] for row in changes.iter_rows()]
    units = [r[0] for r in values if r[1] in (THANH, LAC, BINH)]
    assert units == ["Xã Cẩm Bình", "Xã Cẩm Thành", "Xã Cẩm Lạc"]  # registry order
    detail = [r for r in values if r[0] == "Xã Cẩm Thành" and r[2] == "Tiêu chí"]
    assert [(r[1], r[6], r[7]) for r in detail] == [
        ("5", "✗ Chưa đạt", "✓ Đạt"),
        ("14", "✗ Chưa đạt", "✓ Đạt"),
    ]
    tasks = [r for r in values if r[0] == "Xã Cẩm Lạc" and r[2] == "Nhiệm vụ đã xong"]
    assert len(tasks) == 2


def test_history_sheets_are_written_as_xlsxwriter_writes_them(campaign, tmp_path, monkeypatch):
    """The history sheets' blocks are written as XML as they come (`MasterWorksheet`): the
    package, their charts' cached values included, is byte for byte XlsxWriter's own."""
    fast, plain = fast_and_plain(campaign.results["march"], tmp_path, monkeypatch)
    assert fast.keys() == plain.keys()
    for name, data in plain.items():
        assert fast[name] == data, name
    charts = [fast[n].decode() for n in fast if n.startswith("xl/charts/")]
    assert sum("Lịch sử nộp" in chart for chart in charts) == 2


def test_without_a_store_the_master_keeps_its_seven_sheets(campaign, registry, catalog, tmp_path):
    result = consolidate(
        [campaign.inbox], catalog=catalog, registry=registry, catalog_set=SET,
        as_of=date(2021, 3, 25), workers=1,
    )  # fmt: skip
    assert result.history is None
    book = openpyxl.load_workbook(write_master(result, tmp_path / "tong_hop.xlsx"))
    assert len(book.sheetnames) == 7


def test_history_command(campaign, registry, tmp_path, capsys):
    write_registry(registry, tmp_path / "don_vi.xlsx")
    common = ["--state-dir", str(campaign.state), "--registry", str(tmp_path / "don_vi.xlsx")]
    common += ["--as-of", "2021-03-25"]
    assert main(["history", *common]) == 0
    out = capsys.readouterr().out
    assert "9 tệp lưu trữ, 9 bản nộp của 4 đơn vị phải nộp" in out
    assert "Tháng 2/2021  15/02/2021         4       3         2     1         1" in out

    assert main(["history", "--period", "2/2021", *common]) == 0
    out = capsys.readouterr().out
    assert "3/4 đã nộp (2 đúng hạn, 1 muộn), 1 chưa nộp" in out
    lac = next(line for line in out.splitlines() if line.startswith(LAC))
    assert "Chưa nộp" in lac

    assert main(["history", "--unit", "Cẩm Thành", *common]) == 0
    out = capsys.readouterr().out
    assert "Xã Cẩm Thành (mã 18694): 4 bản nộp" in out
    assert out.count("cam_thanh.xlsx") == 4

    assert main(["history", "--changes", "--unit", "18748", *common]) == 0
    out = capsys.readouterr().out
    assert "Xã Cẩm Lạc: «cam_lac.xls» (20/01/2021) → «cam_lac_thang_3.xls» (18/03/2021)" in out
    assert out.count("Việc đã hoàn thành:") == 2

    assert main(["history", "--period", "2020-05", *common]) == 2
    assert "Không có kỳ «2020-05»" in capsys.readouterr().err
    assert main(["history", "--state-dir", str(tmp_path / "trong")]) == 2
    assert "Chưa có kho trạng thái" in capsys.readouterr().err


def test_backup_is_one_file_that_opens_on_its_own(campaign, tmp_path, capsys):
    copy = tmp_path / "sao_luu.sqlite3"
    assert main(["history", "backup", str(copy), "--state-dir", str(campaign.state)]) == 0
    assert not Path(f"{copy}-wal").exists()
    folder = tmp_path / "khoi_phuc"
    folder.mkdir()
    os.replace(copy, folder / "ntm-excel.sqlite3")
    with History(folder, create=False) as restored:
        assert restored.archive_count() == 9 and len(restored.versions()) == 9


# --- the read cache -------------------------------------------------------------------------


def test_a_reading_from_the_store_equals_reading_the_file(tmp_path, catalog):
    """Every bundled sample (four formats, legacy encodings, broken files): the reading
    taken from the store is exactly the reading of the file."""
    import shutil

    from ntm_excel.check.record import read_through
    from ntm_excel.config import BUNDLED
    from ntm_excel.read.batch import read_files
    from ntm_excel.read.inbox import list_submissions

    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    registry = load_registry(load_config().registry)
    indicators = catalog.resolve(SET, "Hà Tĩnh")
    files = list_submissions([tmp_path / "inbox"]).files
    fresh = read_files(files, registry, indicators, workers=1)
    with History(tmp_path / "var") as history:
        first = read_through(history, files, registry, indicators, workers=1)
        again = read_through(history, files, registry, indicators, workers=1)
    unreadable = sum(1 for [(submission, _), *_] in fresh if submission is None)
    assert unreadable == 2 and len(files) == 22
    assert max(len(units) for units in fresh) == 2  # the workbook of two communes
    assert (first.parsed, first.reused) == (22, 0)
    assert (again.parsed, again.reused) == (unreadable, 22 - unreadable)  # tried again
    assert first.results == fresh
    assert again.results == fresh


# --- the consolidate command ------------------------------------------------------------------


def test_consolidate_records_and_rewrites_feedback_only_when_it_changed(tmp_path, capsys):
    inbox, out, state = tmp_path / "inbox", tmp_path / "out", tmp_path / "var"
    inbox.mkdir()
    write_sample(inbox / "cam_thanh.xlsx", SampleSpec(blank_values=("4.2",)))  # a figure is needed
    lac = SampleSpec(unit_code=LAC, unit_name=UNITS[LAC], blank_values=("14.2",))
    write_sample(inbox / "cam_lac.xlsx", lac)
    args = [
        "consolidate", str(inbox), "-o", str(out / "tong_hop.xlsx"), "--csv-dir",
        str(out / "csv"), "--as-of", "2021-03-25", "--state-dir", str(state),
    ]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "2 tệp đọc mới, 0 tệp đã đọc trước đó dùng lại; kho lưu 3 tệp" in printed
    assert "Tháng 3/2021 (hạn nộp 15/03/2021): 2/21 đã nộp (2 đúng hạn, 0 muộn)" in printed
    feedback = {p.name: p.stat().st_mtime_ns for p in (out / "gop_y").glob("*.xlsx")}
    assert sorted(feedback) == ["Góp ý - Xã Cẩm Lạc.xlsx", "Góp ý - Xã Cẩm Thành.xlsx"]

    assert main(args) == 0
    assert "0 tệp đọc mới, 2 tệp đã đọc trước đó dùng lại" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in (out / "gop_y").glob("*.xlsx")} == feedback

    write_sample(inbox / "cam_lac.xlsx", dataclasses.replace(lac, blank_values=("14.2", "15.1")))
    (out / "gop_y" / "Góp ý - Xã Cẩm Thành.xlsx").unlink()  # someone deleted it
    assert main(args) == 0
    capsys.readouterr()
    again = {p.name: p.stat().st_mtime_ns for p in (out / "gop_y").glob("*.xlsx")}
    assert sorted(again) == sorted(feedback)
    assert all(again[name] != feedback[name] for name in feedback)  # both rewritten
    rewritten = openpyxl.load_workbook(out / "gop_y" / "Góp ý - Xã Cẩm Lạc.xlsx")["Góp ý"]
    assert any("15.1" in str(c.value) for row in rewritten.iter_rows() for c in row)

    with History(state) as history:
        runs = history.consolidations()
    assert [r.parsed for r in runs] == [2, 0, 1]
    assert str(out / "tong_hop.xlsx") in runs[-1].outputs
    assert any(p.endswith("Góp ý - Xã Cẩm Lạc.xlsx") for p in runs[-1].outputs)


def test_consolidate_without_history_leaves_no_store(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_sample(inbox / "cam_thanh.xlsx", SampleSpec())
    args = [
        "consolidate", str(inbox), "-o", str(tmp_path / "out" / "tong_hop.xlsx"), "--csv-dir",
        str(tmp_path / "csv"), "--no-history", "--state-dir", str(tmp_path / "var"),
    ]  # fmt: skip
    assert main(args) == 0
    assert "Lịch sử nộp" not in capsys.readouterr().out
    assert not (tmp_path / "var").exists()


# --- the scheduled jobs ---------------------------------------------------------------------


def test_collect_keeps_every_file_and_the_weekly_summary_says_what_changed(
    tmp_path, registry, capsys
):
    import email
    from email import policy

    from ntm_excel.jobs.ledger import Ledger
    from ntm_excel.jobs.scheduler import Runner
    from ntm_excel.jobs.table import COLLECT
    from ntm_excel.reference.contacts import Contacts

    write_registry(registry, tmp_path / "don_vi.xlsx")
    base = load_config()
    config = dataclasses.replace(
        base,
        registry=tmp_path / "don_vi.xlsx",
        district_workbook=None,
        state_dir=tmp_path / "var",
        master=tmp_path / "out" / "tong_hop.xlsx",
        mail=dataclasses.replace(base.mail, smtp_host="", outbox=tmp_path / "outbox"),
        schedule=dataclasses.replace(
            base.schedule, inbox=tmp_path / "inbox", steering_committee=("bcd@example.org",)
        ),
    )
    c = Campaign(tmp_path, registry, None)
    with Ledger(config.state_dir) as ledger:
        runner = Runner(config, ledger, contacts=lambda: Contacts(()))
        c.put("cam_thanh.xlsx", 3, 10)
        runner.run(COLLECT, date(2021, 3, 10))
        c.put("cam_thanh.xlsx", 3, 16, not_met=("5",))  # replaced in the inbox
        runner.run(COLLECT, date(2021, 3, 16))
        result = runner.run("weekly-summary", date(2021, 3, 22))
        c.remove("cam_thanh.xlsx")  # and then taken away (an empty inbox sends no summary)
        runner.run(COLLECT, date(2021, 3, 23))
    assert result.ok, result.error
    with History(config.state_dir) as history:
        assert history.archive_count() == 2
        for digest, data in c.sent.items():
            assert history.content(digest) == data
    [path] = (tmp_path / "outbox").glob("*.eml")
    mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = mail.get_body(("plain",)).get_content()
    assert "ĐƠN VỊ GỬI BẢN NỘP MỚI TRONG TUẦN (1 ĐƠN VỊ)" in text
    assert "- Xã Cẩm Thành · 20 → 19/20 tiêu chí đạt; tiêu chí 5 Đạt → Chưa đạt" in text
    assert "Xã Cẩm Thành" in mail.get_body(("html",)).get_content()


def _where(path: Path, reading):  # a `then` of `read_through`: the process it ran in
    return os.getpid(), reading


def _bundled_inbox(tmp_path: Path, catalog):
    import shutil

    from ntm_excel.config import BUNDLED
    from ntm_excel.read.inbox import list_submissions

    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    registry = load_registry(load_config().registry)
    return list_submissions([tmp_path / "inbox"]).files, registry, catalog.resolve(SET, "Hà Tĩnh")


def test_readings_from_the_store_are_used_in_the_worker_processes(tmp_path, catalog):
    """With two workers, the stored readings are decoded (and given to `then`) in the worker
    processes, and equal reading the files; a stored reading that is damaged is not used:
    that file is read again."""
    from ntm_excel.check.record import read_through
    from ntm_excel.read.batch import read_files

    files, registry, indicators = _bundled_inbox(tmp_path, catalog)
    fresh = read_files(files, registry, indicators, workers=1)
    unreadable = sum(1 for [(submission, _), *_] in fresh if submission is None)
    with History(tmp_path / "var") as history:
        first = read_through(history, files, registry, indicators, workers=2, then=_where)
        again = read_through(history, files, registry, indicators, workers=2, then=_where)
        with history.transaction() as db:  # one stored reading damaged
            db.execute("UPDATE readings SET result = ? WHERE name = ?", (b"hong", files[0].name))
        mended = read_through(history, files, registry, indicators, workers=2)
        here = read_through(history, files, registry, indicators, workers=1)
    assert (first.parsed, again.parsed) == (len(files), unreadable)
    assert [reading for _, reading in again.results] == fresh
    assert {pid for pid, _ in again.results}.isdisjoint({os.getpid()})
    assert (mended.parsed, mended.reused) == (unreadable + 1, len(files) - unreadable - 1)
    assert mended.results == fresh and here.results == fresh
    assert here.parsed == unreadable  # the mended reading was stored again


def test_a_rerun_judged_in_the_workers_equals_a_run_without_the_store(tmp_path, catalog):
    """The communes' reports of a re-run whose readings come from the store, validated in two
    worker processes, are those of a run that parses and validates every file."""
    from ntm_excel.check.consolidate import check_files

    files, registry, _ = _bundled_inbox(tmp_path, catalog)
    given = {"catalog": catalog, "registry": registry, "catalog_set": SET, "workers": 2}
    plain = check_files(files, **given)
    with History(tmp_path / "var") as history:
        check_files(files, history=history, **given)
        again = check_files(files, history=history, **given)
    assert again.reading.reused > 0 and again.units and plain.units
    assert again.units == plain.units
    assert again.loose == plain.loose and again.levels == plain.levels
    assert again.submissions == plain.submissions


def test_the_history_is_shown_as_of_the_last_run_not_the_latest_date(tmp_path, capsys):
    """A run for a later date (a look ahead, a mistyped year) does not hold the default
    view for ever: it follows the last consolidation."""
    from ntm_excel.config import BUNDLED

    state = str(tmp_path / "var")
    for day in ("2021-06-30", "2021-03-25"):
        argv = ["consolidate", str(BUNDLED / "mau_nop"), "--as-of", day, "--state-dir", state]
        assert main([*argv, "-o", str(tmp_path / "t.xlsx"), "--no-feedback"]) in (0, 1)
    capsys.readouterr()
    assert main(["history", "--state-dir", state]) == 0
    assert capsys.readouterr().out.startswith("Lịch sử nộp đến ngày 25/03/2021")
