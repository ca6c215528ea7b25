"""The `ntm-excel` command line: every sub-command listed, one loaded when one is named."""

import errno
import os
import socket
import subprocess
import sys

import pytest

from ntm_excel.cli import COMMAND_MODULES, main
from ntm_excel.errors import system_reason


def _listed(help_text: str) -> set[str]:
    lines = help_text.splitlines()
    return {name for name in COMMAND_MODULES if any(line.split()[:1] == [name] for line in lines)}


def test_the_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    assert _listed(capsys.readouterr().out) == set(COMMAND_MODULES)


def test_a_wrong_command_is_answered_with_every_choice(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["tong-hop"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "lựa chọn không hợp lệ: 'tong-hop'" in error
    assert all(f"'{name}'" in error for name in COMMAND_MODULES)


def test_a_named_command_loads_only_its_own_module():
    """`ntm-excel validate` never imports the mail and scheduling modules."""
    probe = (
        "import sys\n"
        "from ntm_excel.cli import main\n"
        "try:\n"
        "    main(['validate', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('ntm_excel.cli.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert "ntm_excel.cli.validate" in loaded
    assert "ntm_excel.cli.jobs" not in loaded and "ntm_excel.cli.digest" not in loaded


@pytest.mark.parametrize("day", ["9999-12-31", "2201-03-25", "0001-01-01", "31/12/2009"])
def test_a_report_date_out_of_range_is_refused_before_any_work(day, tmp_path, capsys):
    state = tmp_path / "trang_thai"
    argv = ["consolidate", "workbooks/mau_nop", "--as-of", day, "--state-dir", str(state)]
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert f"ngày «{day}» nằm ngoài khoảng 01/01/2010 – 31/12/2099" in capsys.readouterr().err
    assert not state.exists()  # nothing recorded: the history never shows the year 9999


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "workbooks/mau_nop", "--workers", "0"],
        ["validate", "workbooks/mau_nop", "--workers", "-3"],
        ["digest", "--smtp-port", "0"],
        ["digest", "--smtp-port", "99999"],
        ["digest", "--smtp-port", "-1"],
    ],
)
def test_a_count_or_a_port_out_of_range_is_refused(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert "cần một số nguyên từ 1 đến" in capsys.readouterr().err


def test_a_mail_server_name_that_does_not_resolve_is_said_in_vietnamese():
    error = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert system_reason(error).startswith("không tìm thấy máy chủ theo tên hay địa chỉ")


@pytest.mark.parametrize(
    ("number", "said"),
    [
        (errno.EFBIG, "tệp vượt cỡ tối đa mà ổ đĩa hoặc hệ thống cho phép"),
        (errno.EDQUOT, "đã dùng hết dung lượng được cấp trên ổ đĩa"),
    ],
)
def test_a_file_too_large_or_a_quota_spent_is_said_in_vietnamese(number, said):
    """A write refused by a file-size limit or a quota said «[Errno 27] File too large»."""
    error = OSError(number, os.strerror(number), "out/tong_hop.xlsx")
    assert system_reason(error) == f"{said} (out/tong_hop.xlsx)"


@pytest.mark.parametrize("action", ["export", "backup"])
def test_a_history_action_names_itself_in_its_usage(action, capsys):
    with pytest.raises(SystemExit):
        main(["history", action, "--help"])
    assert capsys.readouterr().out.startswith(f"Cách dùng: ntm-excel history {action} [-h]")
