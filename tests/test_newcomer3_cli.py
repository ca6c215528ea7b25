"""The command line as a clerk types it: an option mistyped or cut short is refused, naming
the option meant, whatever the command (argparse would take «--as» for «--as-of», and the
value after an unknown option for a sub-command)."""

from __future__ import annotations

import argparse

import pytest

from ntm_excel.cli import build_parser, main


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (sub-)command: its words and its parser."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))


def _cut_short() -> list[tuple[tuple[str, ...], str, str]]:
    """Each command's long options, each cut short by its last letter: (command, typed,
    meant)."""
    found = []
    for path, parser in _commands(build_parser()):
        if not path:
            continue
        options = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
        for option in sorted(options - {"--help"}):
            typed = option[:-1]
            if typed not in options and len([o for o in options if o.startswith(typed)]) <= 3:
                found.append((path, typed, option))
    return found


def refusal(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err


CUT_SHORT = _cut_short()


def test_every_command_has_options_to_cut_short():
    assert len({path for path, _, _ in CUT_SHORT}) >= 12
    assert (("history",), "--as-o", "--as-of") in CUT_SHORT


@pytest.mark.parametrize("path, typed, meant", CUT_SHORT, ids=lambda v: str(v))
def test_an_option_cut_short_is_refused_naming_the_one_meant(
    capsys, tmp_path, monkeypatch, path, typed, meant
):
    monkeypatch.chdir(tmp_path)  # argparse took «jobs once --state-di 2021-06-30» as a store
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    error = refusal(capsys, *path, typed, "2021-06-30")
    assert f"Lỗi: tham số không nhận ra: {typed}" in error
    assert f"— có phải «{meant}»" in error or f"hay «{meant}»" in error
    assert list(tmp_path.iterdir()) == []  # nothing ran


def test_a_mistyped_option_before_a_value_is_what_is_reported(capsys, tmp_path, monkeypatch):
    """`history --unti 2021-06-30`: the date is not taken for a sub-command of `history`, nor
    the option for «--unit»; nothing runs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    error = refusal(capsys, "history", "--unti", "2021-06-30")
    assert error.splitlines()[-1] == (
        "Lỗi: tham số không nhận ra: --unti — có phải «--unit»? "
        "(ntm-excel history --help: cách dùng)"
    )
    assert "lựa chọn không hợp lệ" not in error
    error = refusal(capsys, "consolidate", "workbooks/mau_nop", "--as", "2021-03-25")
    assert "tham số không nhận ra: --as 2021-03-25 — có phải «--as-of»?" in error
    error = refusal(capsys, "consolidate", "x", "--no", "--as-of", "2021-03-25")
    assert "--no — có phải «--no-feedback» hay «--no-history»?" in error
    assert list(tmp_path.iterdir()) == []  # nothing ran: no state, no output
