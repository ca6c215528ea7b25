"""No command replaces a workbook it did not write: a commune's submission is never
overwritten by a template, a catalogue, a registry or the master, unless told (--force)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from ntm_excel.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop"


def test_no_command_replaces_a_workbook_unless_told(tmp_path, capsys):
    """A commune's filled-in workbook sent back under the template's own name is never
    replaced by a blank template, a catalogue or a registry by mistake."""
    out = tmp_path / "bieu"
    out.mkdir()
    filled = out / "xa_cam_due.xlsx"
    filled.write_bytes((SAMPLES / "xa_cam_due.xlsx").read_bytes())
    commands = [
        ["template", "--all", "-o", str(out)],
        ["template", "--unit", "Xã Cẩm Duệ", "-o", str(filled)],
        ["catalog", "export", str(filled)],
        [
            "registry",
            "build",
            "--province",
            "Hà Tĩnh",
            "--district",
            "Cẩm Xuyên",
            "-o",
            str(filled),
        ],
    ]
    for argv in commands:
        assert main(argv) == 2
        assert f"Đã có tệp {filled}" in capsys.readouterr().err
        assert filled.read_bytes() == (SAMPLES / "xa_cam_due.xlsx").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["xa_cam_due.xlsx"]  # nothing written

    assert main(["template", "--all", "-o", str(out), "--force"]) == 0
    sheet = openpyxl.load_workbook(filled, read_only=True)["Tự đánh giá"]
    assert next(sheet.iter_rows(max_row=1, values_only=True))[0] == "UBND XÃ CẨM DUỆ"


def test_the_master_never_replaces_a_submission(tmp_path, capsys):
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    for name in ("xa_cam_due.xlsx", "TDG_xa_cam_ha.ods"):
        (inbox / name).write_bytes((SAMPLES / name).read_bytes())
    argv = ["consolidate", str(inbox), "--no-history", "--as-of", "2021-03-25"]
    argv += ["--csv-dir", str(tmp_path / "csv")]
    assert main([*argv, "-o", str(inbox / "xa_cam_due.xlsx")]) == 2
    assert "là một tệp trong thư mục nhận biểu" in capsys.readouterr().err
    assert (inbox / "xa_cam_due.xlsx").read_bytes() == (SAMPLES / "xa_cam_due.xlsx").read_bytes()

    master = inbox / "tong_hop.xlsx"  # inside the inbox: its own master is replaced each run
    assert main([*argv, "-o", str(master)]) in (0, 1)
    capsys.readouterr()
    assert main([*argv, "-o", str(master)]) in (0, 1)  # the master of the run before: replaced
    assert "không ghi đè" not in capsys.readouterr().err
    assert "Tổng hợp" in openpyxl.load_workbook(master, read_only=True).sheetnames
    assert (inbox / "xa_cam_due.xlsx").read_bytes() == (SAMPLES / "xa_cam_due.xlsx").read_bytes()
