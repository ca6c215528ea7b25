"""The README's examples print what the commands print now: every figure and line it quotes
(«…» stands for lines or text left out). A change that moves a figure has to move the README
with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ntm_excel.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLES = str(ROOT / "workbooks" / "mau_nop")


def shown_after(command: str) -> list[str]:
    """The ```text block that follows the ```sh block whose first line is `command`."""
    found = re.search(
        r"```sh\n" + re.escape(command) + r"\n(?:[^`]*\n)?```\n\n```text\n(.*?)```", README, re.S
    )
    assert found, f"no example of «{command}» in the README"
    return found[1].splitlines()


def assert_shown(quoted: list[str], printed: str) -> None:
    """Each quoted line is a printed line, in order; «…» alone skips lines, a line ending in
    «…» is the start of one."""
    lines = printed.splitlines()
    at = 0
    for line in quoted:
        if line == "…":
            continue
        stem = line[:-1] if line.endswith("…") else None
        for index in range(at, len(lines)):
            if lines[index] == line or (stem is not None and lines[index].startswith(stem)):
                at = index + 1
                break
        else:
            raise AssertionError(f"README line not printed (in order):\n{line}\n---\n{printed}")


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """A working folder where the README's set-up command was run: consolidate, then digest."""
    folder = tmp_path_factory.mktemp("van_phong")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.delenv("NTM_STATE_DIR")
        assert main(["consolidate", SAMPLES, "--as-of", "2021-03-25"]) == 0
    return folder


def run(capsys, folder: Path, monkeypatch, *args: str) -> str:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    capsys.readouterr()
    main(list(args))
    return capsys.readouterr().out


def test_consolidate_prints_what_the_readme_shows(tmp_path, capsys, monkeypatch):
    printed = run(capsys, tmp_path, monkeypatch, "consolidate", SAMPLES, "--as-of", "2021-03-25")
    assert_shown(shown_after("ntm-excel consolidate workbooks/mau_nop --as-of 2021-03-25"), printed)
    again = run(capsys, tmp_path, monkeypatch, "consolidate", SAMPLES, "--as-of", "2021-03-25")
    rerun = re.search(r"Chạy lại trên cùng các tệp: «(.*?)»", README.replace("\n", " "))
    assert rerun and rerun[1] in again


@pytest.mark.parametrize(
    "command",
    [
        'ntm-excel tasks workbooks/mau_nop --as-of 2021-03-25 --owner "Cẩm Thành" --state due_soon',
        'ntm-excel tasks --as-of 2021-03-25 --owner "Hội Nông dân huyện"',
        'ntm-excel validate "workbooks/mau_nop/Bieu tu danh gia NTM - Cam Thach.xls"',
        'ntm-excel validate --explain "workbooks/mau_nop/Bieu tu danh gia NTM - Cam My.xlsx"',
        "ntm-excel history --as-of 2021-03-25",
    ],
)
def test_commands_print_what_the_readme_shows(office, capsys, monkeypatch, command):
    args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', command)[1:]]
    args = [str(ROOT / a) if a.startswith("workbooks/") else a for a in args]
    printed = run(capsys, office, monkeypatch, *args)
    assert_shown(shown_after(command), printed)
