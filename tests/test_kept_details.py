"""A submission taken from the judgement cache keeps its details (indicator rows, criterion
rows, how the file was read) packed until something uses them: a re-run of unchanged files
decodes none of them, and a feedback workbook made again from a kept judgement shows them
as the first run did. Packed details are decoded as restrictedly as the rest."""

from __future__ import annotations

import copyreg
import dataclasses
import io
import os
import pickle
import shutil
import zlib
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

import ntm_excel.history as history_module
from ntm_excel.check.consolidate import check_files
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.errors import StoreError
from ntm_excel.history import History, decode_reading, encode_reading
from ntm_excel.model import Submission
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

DETAILS = ("indicators", "criteria", "reading")
MODIFIED = datetime(2021, 3, 10, 9, 0)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    return tmp_path / "inbox"


def _check(inbox: Path, history: History | None):
    config = load_config()
    return check_files(
        list_submissions([inbox]).files,
        catalog=load_catalog(config.catalog),
        registry=load_registry(config.registry),
        catalog_set="xa_2016_2020",
        workers=1,
        history=history,
    )


def _decoded(submission: Submission, name: str) -> bool:
    """Whether the field `name` of `submission` holds its value (a detail not yet decoded
    does not)."""
    try:
        Submission.__dict__[name].__get__(submission, Submission)
    except AttributeError:
        return False
    return True


def _counting_details(monkeypatch) -> list[str]:
    """The details decoded from now on, by name."""
    decoded: list[str] = []
    kept = history_module._KeptSubmission
    original = kept.__getattr__

    def counted(self, name: str):
        decoded.append(name)
        return original(self, name)

    monkeypatch.setattr(kept, "__getattr__", counted)
    return decoded


def test_kept_submissions_decode_their_details_only_when_used(tmp_path, inbox):
    plain = _check(inbox, None)
    with History(tmp_path / "var") as history:
        _check(inbox, history)
        again = _check(inbox, history)
    assert again.reading.judged == 20
    kept = [s for s in again.submissions if type(s) is not Submission]
    assert len(kept) == len(again.submissions) > 20  # a cluster's file holds two units
    assert not any(_decoded(s, name) for s in kept for name in DETAILS)  # packed still
    by_place = {(s.path, s.unit_code, s.sheet): s for s in plain.submissions}
    for submission in kept:  # used: decoded, and as judging the file gives them
        first = by_place[submission.path, submission.unit_code, submission.sheet]
        assert submission.reading == first.reading and submission.reading.rows
        assert submission.indicators == first.indicators and submission.criteria == first.criteria
        assert all(_decoded(submission, name) for name in DETAILS)
        assert submission == first and first == submission and hash(submission) == hash(first)
        assert repr(submission) == repr(first)
        assert type(pickle.loads(pickle.dumps(submission))) is Submission
        assert dataclasses.replace(submission, level="x") == dataclasses.replace(first, level="x")
    assert again.units == plain.units and again.candidates == plain.candidates


def test_a_rerun_of_unchanged_files_decodes_no_details(tmp_path, inbox, monkeypatch, capsys):
    out = tmp_path / "ket_qua"
    args = [
        "consolidate", str(inbox), "-o", str(out / "tong_hop.xlsx"), "--as-of", "2021-03-25",
        "--state-dir", str(tmp_path / "var"), "--csv-dir", str(out / "csv"),
    ]  # fmt: skip
    assert main(args) == 0
    decoded = _counting_details(monkeypatch)
    assert main(args) == 0
    assert "20 tệp đã đọc trước đó dùng lại" in capsys.readouterr().out
    assert decoded == []


def _cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book}


def test_feedback_made_again_from_a_kept_judgement_shows_how_the_file_was_read(
    tmp_path, inbox, monkeypatch, capsys
):
    """A deleted feedback workbook is made again from the kept judgement: its details are
    decoded then, and the workbook is the one the first run made (the «Cách đọc biểu» sheet
    included)."""
    out = tmp_path / "ket_qua"
    args = [
        "consolidate", str(inbox), "-o", str(out / "tong_hop.xlsx"), "--as-of", "2021-03-25",
        "--state-dir", str(tmp_path / "var"),
    ]  # fmt: skip
    assert main(args) == 0
    feedback = sorted((out / "gop_y").glob("*.xlsx"))
    chosen = feedback[0]
    first = _cells(chosen)
    assert any("đọc" in name for name in first)  # how the file was read
    chosen.unlink()
    decoded = _counting_details(monkeypatch)
    assert main(args) == 0
    capsys.readouterr()
    assert "reading" in decoded  # the one workbook made again asked for it
    assert _cells(chosen) == first


class _Forged:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_forged_details_are_refused_when_used(tmp_path, inbox):
    """Details packed with anything but the package's data (here: a call of os.system) are
    refused when used, with a message naming the file and what to do; nothing runs."""
    plain = _check(inbox, None)
    submission = next(s for s in plain.submissions if s is not None)
    marker = tmp_path / "ran"
    forged = dataclasses.replace(submission, reading=_Forged(marker))
    [(kept, _)] = decode_reading(encode_reading([(forged, [])]), Path("x.xlsx"), MODIFIED)
    assert kept.file_name == submission.file_name and kept.path == "x.xlsx"
    with pytest.raises(StoreError, match=r"x\.xlsx.*--no-history"):
        _ = kept.reading
    assert not marker.exists()


def _kept_whole(submission: Submission) -> tuple:
    """How a submission was kept before its details were packed apart: its fields, the
    file's place and time left out."""
    values = [getattr(submission, f.name) for f in dataclasses.fields(Submission)]
    values[0] = values[4] = None  # path, modified
    return Submission, tuple(values)


def test_a_judgement_kept_whole_is_still_used(tmp_path, inbox):
    """A judgement kept before the details were packed apart (in the same judging context:
    the judging code did not change) decodes as it did: a plain submission, all of it."""
    plain = _check(inbox, None)
    submission = next(s for s in plain.submissions if s is not None)
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table | {Submission: _kept_whole}
    pickler.dump([(submission, [])])
    [(decoded, _)] = decode_reading(zlib.compress(buffer.getvalue()), Path("y.xlsx"), MODIFIED)
    assert type(decoded) is Submission
    assert decoded == dataclasses.replace(submission, path="y.xlsx", modified=MODIFIED)


def test_damaged_details_are_found_while_the_file_can_be_read_again(inbox):
    """A kept submission's details damaged in the store (one bit) are refused when its
    judgement is decoded, where the caller reads the file again, not when they are used."""
    plain = _check(inbox, None)
    submission = next(s for s in plain.submissions if s is not None)

    def damaged(kept: Submission) -> tuple:
        build, (values, packed, check) = history_module._without_place(kept)
        return build, (values, packed[:-1] + bytes([packed[-1] ^ 1]), check)

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table | {Submission: damaged}
    pickler.dump([(submission, [])])
    with pytest.raises(pickle.UnpicklingError):
        decode_reading(zlib.compress(buffer.getvalue()), Path("x.xlsx"), MODIFIED)
