"""One consistent output set per run: the master, the CSV files and the feedback workbooks are
replaced together or not at all — a locked file, a full disk, Ctrl-C or a killed process
leave the previous set whole, and what a killed run left behind is cleaned by the next one."""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import time_machine
from support.samples import SampleSpec, write_sample

from ntm_excel import atomic
from ntm_excel.atomic import FOLDER_LOCK, Generation
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED
from ntm_excel.errors import OutputError

UNITS = [  # code, name: eight communes, each with an empty value (an error to send back)
    ("18694", "Xã Cẩm Thành"),
    ("18748", "Xã Cẩm Lạc"),
    ("18685", "Xã Cẩm Bình"),
    ("18679", "Xã Yên Hòa"),
    ("18682", "Xã Cẩm Dương"),
    ("18691", "Xã Cẩm Vĩnh"),
    ("18697", "Xã Cẩm Quang"),
    ("18706", "Xã Cẩm Thạch"),
]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    for code, name in UNITS:
        write_sample(
            folder / f"{code}.xlsx",
            SampleSpec(unit_code=code, unit_name=name, blank_values=("4.2",)),
        )
    return folder


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "cau_hinh.toml"
    path.write_text(
        "\n".join(
            [
                "[data]",
                f'catalog = "{BUNDLED / "bo_tieu_chi.csv"}"',
                f'registry = "{BUNDLED / "don_vi.xlsx"}"',
                f'plan = "{BUNDLED / "ke_hoach_2021.xlsx"}"',
                f'contacts = "{BUNDLED / "danh_ba.xlsx"}"',
            ]
        ),
        encoding="utf-8",
    )
    return path


def arguments(
    config: Path, out: Path, source: Path, day: str = "2021-03-15", *, history: bool = False
) -> list[str]:
    """A consolidate command line; without the history, every feedback workbook is written
    again (with it, those made from the same file and issues are kept)."""
    return [
        "consolidate", str(source), "--config", str(config), "--as-of", day,
        "-o", str(out / "tong_hop.xlsx"), "--csv-dir", str(out / "csv"),
        *([] if history else ["--no-history"]),
    ]  # fmt: skip


def contents(out: Path) -> dict[str, str]:
    """Every output a person or a program opens (hidden files aside), by path → sha256."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def leftovers(out: Path) -> list[str]:
    """Hidden files other than the generation's lock file."""
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob(".*")
        if p.is_file() and not p.name.endswith(".lock")
    )


@pytest.fixture
def first_run(tmp_path, inbox, config, capsys) -> tuple[Path, dict[str, str]]:
    """A set written by a first run: the set every failure below must leave whole."""
    out = tmp_path / "out"
    assert main(arguments(config, out, inbox, history=True)) == 0
    capsys.readouterr()
    written = contents(out)
    assert len([name for name in written if name.startswith("gop_y")]) == len(UNITS)
    assert len([name for name in written if name.startswith("csv")]) == 5
    return out, written


def test_stale_feedback_and_leftovers_of_killed_runs_are_removed(
    tmp_path, inbox, config, first_run, capsys
):
    out, _ = first_run
    fixed = tmp_path / "fixed"  # two communes fixed their files, one is gone
    shutil.copytree(inbox, fixed)
    for code, name in UNITS[:2]:
        write_sample(fixed / f"{code}.xlsx", SampleSpec(unit_code=code, unit_name=name))
    (fixed / f"{UNITS[2][0]}.xlsx").unlink()
    killed = [  # what runs killed by earlier versions and by this one left behind
        out / ".tong_hop.k3j4h5g6.xlsx",
        out / ".tong_hop.ntm-tmp-1abc2def.xlsx",
        out / ".tong_hop.xlsx.ntm-old-0a1b2c3d",
        out / "csv" / ".units.ntm-tmp-x9y8z7w6.csv",
        out / "gop_y" / f".Góp ý - {UNITS[5][1]}.q1w2e3r4.xlsx",
        out / "gop_y" / ".Góp ý - Xã Không Còn.q1w2e3r4.xlsx",
    ]
    for path in killed:
        path.write_bytes(b"PK half written")
    office_note = out / "gop_y" / "ghi chú của văn phòng.docx"
    office_note.write_bytes(b"not ours")

    unchanged = out / "gop_y" / f"Góp ý - {UNITS[3][1]}.xlsx"
    made = unchanged.stat().st_mtime_ns
    assert main(arguments(config, out, fixed, "2021-03-16", history=True)) == 0
    printed = capsys.readouterr().out
    assert "Góp ý cho xã: " in printed and "(5 tệp; đã xóa 3 tệp góp ý cũ)" in printed
    feedback = sorted(p.name for p in (out / "gop_y").iterdir() if p.suffix == ".xlsx")
    assert feedback == sorted(f"Góp ý - {name}.xlsx" for _, name in UNITS[3:])
    assert unchanged.stat().st_mtime_ns == made  # same file, same issues: kept as it was
    assert office_note.exists()  # not a feedback file: left alone
    assert leftovers(out) == []
    assert openpyxl.load_workbook(out / "tong_hop.xlsx")["Tổng hợp"]["B5"].value.day == 16


def test_leftovers_are_removed_when_the_next_run_keeps_every_feedback_file(
    inbox, config, first_run, capsys
):
    """Killed during its swap, a run left the old feedback files under backup names (found
    with 20 kill -9 trials); the next run, which had no feedback to write again, left them
    in `gop_y/` for good (a dot does not hide a file on Windows)."""
    out, before = first_run
    killed = [
        out / "gop_y" / f".Góp ý - {UNITS[0][1]}.xlsx.ntm-old-2a8f27d5",
        out / "gop_y" / f".Góp ý - {UNITS[1][1]}.ntm-tmp-4r89_bvy.xlsx",
    ]
    for path in killed:
        path.write_bytes(b"PK old or half written")
    assert main(arguments(config, out, inbox, history=True)) == 0
    capsys.readouterr()
    assert {k: v for k, v in contents(out).items() if k.startswith("gop_y")} == {
        k: v for k, v in before.items() if k.startswith("gop_y")
    }  # every feedback file kept as it was
    assert leftovers(out) == []


def test_a_locked_master_replaces_nothing(tmp_path, inbox, config, first_run, monkeypatch, capsys):
    """Excel on Windows keeps an open workbook from being renamed: the master cannot be
    replaced, so the CSV files and the feedback are not replaced either."""
    out, before = first_run
    master = out / "tong_hop.xlsx"
    rename = os.replace

    def windows_replace(src, dst):  # Excel holds the master open: it cannot be replaced
        if Path(dst) == master:
            raise PermissionError(errno.EACCES, "The process cannot access the file", str(dst))
        rename(src, dst)

    monkeypatch.setattr("ntm_excel.atomic.os.replace", windows_replace)
    assert main(arguments(config, out, inbox, "2021-03-16")) == 2
    err = capsys.readouterr().err
    assert f"Không thay được tệp {master}: tệp đang mở ở nơi khác" in err
    assert "chưa tệp kết quả nào bị thay" in err and "Traceback" not in err
    assert contents(out) == before
    assert leftovers(out) == []


def test_an_open_feedback_file_replaces_nothing(tmp_path, inbox, config, first_run, monkeypatch):
    out, before = first_run
    opened = out / "gop_y" / f"Góp ý - {UNITS[4][1]}.xlsx"
    rename = os.replace

    def windows_replace(src, dst):
        if Path(dst) == opened:
            raise PermissionError(errno.EACCES, "in use", str(dst))
        rename(src, dst)

    monkeypatch.setattr("ntm_excel.atomic.os.replace", windows_replace)
    assert main(arguments(config, out, inbox, "2021-03-16")) == 2
    assert contents(out) == before and leftovers(out) == []


def test_a_folder_in_the_way_stops_before_anything_is_replaced(inbox, config, first_run, capsys):
    out, before = first_run
    (out / "csv" / "tasks.csv").unlink()
    (out / "csv" / "tasks.csv").mkdir()
    assert main(arguments(config, out, inbox, "2021-03-16")) == 2
    err = capsys.readouterr().err
    assert f"Không ghi được các tệp CSV vào {out / 'csv'}: " in err
    assert "là một thư mục" in err
    del before["csv/tasks.csv"]
    assert contents(out) == before and leftovers(out) == []


def test_disk_full_while_writing_the_master(inbox, config, first_run, monkeypatch, capsys):
    """XlsxWriter reports a full disk as its own FileCreateError, which is no OSError."""
    out, before = first_run

    def no_space(self, name):  # the temporary file of a part of the package
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("xlsxwriter.packager.Packager._filename", no_space)
    assert main(arguments(config, out, inbox, "2021-03-16")) == 2
    captured = capsys.readouterr()
    assert f"Không ghi được bảng tổng hợp {out / 'tong_hop.xlsx'}: ổ đĩa đã đầy" in captured.err
    assert "Traceback" not in captured.err and "Đơn vị đã nộp: 8/21" in captured.out
    assert contents(out) == before and leftovers(out) == []


@pytest.fixture
def small_disk(tmp_path):
    """A real 3 MB file system (tmpfs), where the test may mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)]
    if not shutil.which("mount") or subprocess.run(command, capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.parametrize(
    "command",
    [
        ["template", "--unit", "18694", "-o"],
        ["catalog", "export"],
        ["registry", "build", "--province", "Hà Tĩnh", "--district", "Cẩm Xuyên", "-o"],
    ],
    ids=["template", "catalog", "registry"],
)
def test_a_workbook_command_on_a_full_disk_names_the_file_it_could_not_write(
    small_disk, capsys, command
):
    """`template`, `catalog export` and `registry build` printed XlsxWriter's 36-line
    traceback (a FileCreateError, not an OSError); a read-only folder was named by the
    temporary file beside the one asked for."""
    target = small_disk / "ket_qua.xlsx"
    (small_disk / "filler").write_bytes(b"\0" * (shutil.disk_usage(small_disk).free - 4096))
    capsys.readouterr()
    assert main([*command, str(target)]) == 2
    err = capsys.readouterr().err
    assert err == f"Lỗi: ổ đĩa đã đầy ({target})\n"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_a_backup_to_a_full_disk_blames_the_disk_not_the_store(tmp_path, small_disk, capsys):
    """It said «kho trạng thái không dùng được … Tệp kho có thể đã hỏng; hãy chép lại bản
    sao lưu», sending the clerk to replace a sound store with an old copy."""
    from ntm_excel.history import History

    var = tmp_path / "var"
    with History(var):
        pass
    target = small_disk / "sao_luu.sqlite3"
    (small_disk / "filler").write_bytes(b"\0" * (shutil.disk_usage(small_disk).free - 4096))
    capsys.readouterr()
    assert main(["history", "backup", str(target), "--state-dir", str(var)]) == 2
    assert capsys.readouterr().err == (
        f"Lỗi: Không ghi được bản sao lưu {target}: ổ đĩa đã đầy; kho trạng thái không bị ảnh "
        "hưởng\n"
    )
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
    with History(var):  # the store opens as before
        pass


def test_a_really_full_disk_leaves_the_previous_set(inbox, config, small_disk, capsys):
    out = small_disk / "out"
    assert main(arguments(config, out, inbox)) == 0
    before = contents(out)
    for keep in (150_000, 60_000, 20_000):  # fails on the feedback, the CSV, the master
        filler = small_disk / "filler"
        free = shutil.disk_usage(small_disk).free
        filler.write_bytes(b"\0" * max(0, free - keep))
        capsys.readouterr()
        assert main(arguments(config, out, inbox, "2021-03-16")) == 2
        err = capsys.readouterr().err
        assert "ổ đĩa đã đầy" in err and "Traceback" not in err and "Exception" not in err
        assert contents(out) == before and leftovers(out) == []
        filler.unlink()
    assert main(arguments(config, out, inbox, "2021-03-16")) == 0
    assert contents(out) != before and leftovers(out) == []


# A consolidation run in its own process, stopped by a signal after a number of feedback
# workbooks, or while it swaps the files in.
INTERRUPTED = """
import os, signal, sys
from pathlib import Path

import ntm_excel.atomic as atomic
from ntm_excel.cli import main
from ntm_excel.write import feedback

how, where, count, *argv = sys.argv[1:]
signum, count, seen = getattr(signal, how), int(count), []


def stop():
    seen.append(1)
    if len(seen) == count:
        os.kill(os.getpid(), signum)


if where == "feedback":
    made = feedback.feedback_workbook

    def feedback_workbook(*args):
        stop()
        return made(*args)

    feedback.feedback_workbook = feedback_workbook
else:  # the swap: stop after `count` outputs were moved into place
    rename = os.replace

    def replace(src, dst):
        rename(src, dst)
        if ".ntm-tmp-" in str(src) and not Path(dst).name.startswith("."):
            stop()

    atomic.os.replace = replace
sys.exit(main(argv))
"""


def interrupted(tmp_path: Path, how: str, where: str, count: int, argv: list[str]):
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    return subprocess.run(
        [sys.executable, str(script), how, where, str(count), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_ctrl_c_while_writing_keeps_the_previous_set(tmp_path, inbox, config, first_run):
    out, before = first_run
    done = interrupted(
        tmp_path, "SIGINT", "feedback", 7, arguments(config, out, inbox, "2021-03-16")
    )
    assert done.returncode == 130 and "Đã dừng." in done.stderr, done.stderr
    assert contents(out) == before and leftovers(out) == []


def test_a_killed_run_leaves_the_previous_set_and_the_next_run_cleans_up(
    tmp_path, inbox, config, first_run
):
    out, before = first_run
    argv = arguments(config, out, inbox, "2021-03-16")
    done = interrupted(tmp_path, "SIGKILL", "feedback", 7, argv)
    assert done.returncode == -9
    assert contents(out) == before
    left = leftovers(out)
    assert ".tong_hop.ntm-tmp-" in left[0] and len(left) >= 7  # master, CSV, 6 feedback
    assert main(argv) == 0
    assert contents(out) != before and leftovers(out) == []


def test_killed_during_the_swap_the_previous_set_is_put_back(tmp_path, inbox, config, first_run):
    out, before = first_run
    argv = arguments(config, out, inbox, "2021-03-16")
    done = interrupted(tmp_path, "SIGKILL", "swap", 3, argv)
    assert done.returncode == -9
    assert (out / ".tong_hop.xlsx.journal").exists()
    assert contents(out) != before  # half swapped: three new files, the others aside
    with Generation(out / "tong_hop.xlsx"):  # what any next run does first
        pass
    assert contents(out) == before
    assert main(argv) == 0
    assert leftovers(out) == []


def test_a_workbook_of_no_known_unit_is_not_called_no_spreadsheet(tmp_path, config, capsys):
    """The one workbook's unit is unknown: the warning says so, not «no spreadsheet»."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    book = openpyxl.Workbook()
    book.active.append(["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"])
    book.active.append(["1.1", "Có quy hoạch chung", "Có", "Đạt"])
    book.save(inbox / "bieu_mau.xlsx")
    assert main(arguments(config, tmp_path / "out", inbox, "2021-03-16")) == 2
    err = capsys.readouterr().err
    assert "1 biểu không rõ của đơn vị nào" in err and "không có tệp bảng tính nào" not in err


@pytest.mark.parametrize("content", ["nothing", "no spreadsheet"])
def test_a_folder_without_readable_workbooks_does_not_replace_the_master(
    tmp_path, config, first_run, content, capsys
):
    out, before = first_run
    empty = tmp_path / "trong"
    empty.mkdir()
    if content == "no spreadsheet":
        (empty / "danh sach.txt").write_text("Cẩm Thành đã nộp", encoding="utf-8")
    assert main(arguments(config, out, empty, "2021-03-16")) == 2
    captured = capsys.readouterr()
    assert "Cảnh báo: không đọc được biểu nào của các đơn vị" in captured.err
    assert "Chưa ghi tệp nào; bảng tổng hợp cũ (nếu có) vẫn còn nguyên" in captured.err
    assert "--allow-empty" in captured.err and captured.out == ""  # no figures of nothing
    assert contents(out) == before

    assert main([*arguments(config, out, empty, "2021-03-16"), "--allow-empty"]) == 0
    captured = capsys.readouterr()
    assert "Cảnh báo: không đọc được biểu nào" in captured.err
    assert "Góp ý cho xã: " in captured.out and f"đã xóa {len(UNITS)} tệp góp ý cũ" in captured.out
    summary = openpyxl.load_workbook(out / "tong_hop.xlsx")["Tổng hợp"]
    assert summary["B7"].value == 0  # "Số đơn vị đã nộp"
    assert not list((out / "gop_y").glob("*.xlsx"))


def test_every_time_in_the_master_is_vietnam_time(tmp_path, config, capsys):
    """The header says when the master was made and the submissions sheet when each file
    was last changed: both as a clock in Vietnam shows them, whatever the host's zone."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    code, name = UNITS[0]
    path = write_sample(inbox / f"{code}.xlsx", SampleSpec(unit_code=code, unit_name=name))
    changed = datetime(2021, 3, 15, 17, 0, tzinfo=UTC).timestamp()  # 16/03 00:00 in Hà Nội
    os.utime(path, (changed, changed))
    out = tmp_path / "out"
    with time_machine.travel(datetime(2021, 3, 16, 1, 30, tzinfo=UTC), tick=False):
        assert main(arguments(config, out, inbox, "2021-03-16")) == 0
    book = openpyxl.load_workbook(out / "tong_hop.xlsx")
    assert "lập lúc 08:30 ngày 16/03/2021" in book["Tổng hợp"]["A2"].value
    sheet = book["Tình hình nộp báo cáo"]
    row = next(r for r in range(4, 30) if sheet.cell(r, 1).value == code)
    assert sheet.cell(row, 8).value == datetime(2021, 3, 16, 0, 0)  # "Ngày sửa tệp"


def test_outputs_copied_into_the_inbox_are_never_read_back(tmp_path, inbox, config, first_run):
    """The master and the feedback copies carry the tool's mark (`atomic.mark_output`): put
    in an inbox (a clerk's copy, a commune's unsaved forward), they are never submissions."""
    out, _ = first_run
    mixed = tmp_path / "mixed"
    shutil.copytree(inbox, mixed)
    shutil.copy(out / "tong_hop.xlsx", mixed / "tong_hop.xlsx")
    shutil.copy(out / "gop_y" / f"Góp ý - {UNITS[0][1]}.xlsx", mixed / "gop_y_cam_thanh.xlsx")
    again = tmp_path / "again"
    assert main(arguments(config, again, mixed, "2021-03-16")) == 0
    with (again / "csv" / "issues.csv").open(encoding="utf-8-sig", newline="") as handle:
        own = {row["file"] for row in csv.DictReader(handle) if row["code"] == "file-own-output"}
    assert own == {"tong_hop.xlsx", "gop_y_cam_thanh.xlsx"}
    with (again / "csv" / "units.csv").open(encoding="utf-8-sig", newline="") as handle:
        used = {row["source_file"] for row in csv.DictReader(handle) if row["submitted"] == "yes"}
    assert used == {f"{code}.xlsx" for code, _ in UNITS}


def test_a_control_character_in_a_communes_text_stops_nothing(tmp_path, config, capsys):
    """A BEL (\\x07) pasted into one commune's wording made openpyxl refuse that commune's
    feedback workbook: `consolidate` ended in a traceback with nothing written for anyone.
    The character is now written as Excel writes it (_x0007_) and read back as it was."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wording = "Có quy hoạch chung\x07 được phê duyệt\x1b[31m"
    write_sample(inbox / "18694.xlsx", SampleSpec(blank_values=("4.2",), texts=(("1.1", wording),)))
    out = tmp_path / "out"
    assert main(arguments(config, out, inbox)) == 0
    capsys.readouterr()
    [copy] = (out / "gop_y").glob("*.xlsx")
    book = python_calamine.CalamineWorkbook.from_path(copy)
    cells = [c for name in book.sheet_names for r in book.get_sheet_by_name(name).to_python()
             for c in r]  # fmt: skip
    assert wording in cells  # in the copy of the commune's sheet and in «Cách đọc biểu»


def test_runs_sharing_a_folder_wait_for_each_other(tmp_path):
    """Another run (another master) writing into the same CSV folder waits for the first:
    its clean-up never takes the files the first has staged there."""
    shared = tmp_path / "csv"
    second_done = threading.Event()

    def second() -> None:
        with Generation(tmp_path / "b" / "tong_hop.xlsx", [shared]) as generation:
            generation.stage(shared / "units.csv").write_text("b")
            generation.commit()
        second_done.set()

    with Generation(tmp_path / "a" / "tong_hop.xlsx", [shared]) as first:
        staged = first.stage(shared / "units.csv")
        staged.write_text("a")
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not second_done.wait(1.0)  # the second waits for the folder
        assert staged.exists()
        first.commit()
    waiting.join(30)
    assert second_done.is_set()
    assert (shared / "units.csv").read_text() == "b"
    assert sorted(p.name for p in shared.iterdir()) == [FOLDER_LOCK, "units.csv"]


def test_a_run_waiting_too_long_for_a_folder_gives_up_and_replaces_nothing(
    tmp_path, monkeypatch, caplog
):
    """A run that hangs while it holds a folder: the next one says it waits, then gives up
    with a message instead of waiting for ever."""
    monkeypatch.setattr(atomic, "LOCK_WAIT", 0.5)
    shared = tmp_path / "csv"
    failure: list[Exception] = []

    def second() -> None:
        try:
            with Generation(tmp_path / "b" / "tong_hop.xlsx", [shared]) as generation:
                generation.stage(shared / "units.csv").write_text("b")
                generation.commit()
        except OutputError as exc:
            failure.append(exc)

    with Generation(tmp_path / "a" / "tong_hop.xlsx", [shared]) as first:
        first.stage(shared / "units.csv").write_text("a")
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(30)
        first.commit()
    [error] = failure
    assert f"Thư mục {shared} vẫn đang được một lần chạy khác ghi" in str(error)
    assert "Chưa tệp kết quả nào bị thay" in str(error)
    assert f"Đang chờ một lần chạy khác ghi xong vào thư mục {shared}" in caplog.text
    assert (shared / "units.csv").read_text() == "a"


def test_a_generation_opened_inside_another_keeps_the_outer_ones_files(tmp_path):
    """In one process the folder's lock is held already: the inner generation's clean-up
    still leaves the outer one's staged file alone."""
    with Generation(tmp_path / "tong_hop.xlsx") as outer:
        staged = outer.stage(tmp_path / "tong_hop.xlsx")
        staged.write_text("a")
        with Generation(tmp_path / "units.csv") as inner:
            inner.stage(tmp_path / "units.csv").write_text("b")
            inner.commit()
        assert staged.exists()
        outer.commit()
    assert (tmp_path / "tong_hop.xlsx").read_text() == "a"
