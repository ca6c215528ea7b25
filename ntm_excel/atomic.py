"""Output files: written atomically (a temporary file beside the target, then renamed over
it), and workbooks marked as ntm-excel's own so that they are never read back as submissions.

The mark is a custom document property, `OUTPUT_PROPERTY`, whose value says what the workbook
is and when it was written (`output_marker`): the time its core properties give as its last
modification. A copy of an output (in the inbox, or sent to a commune) is recognised as long
as nobody saved it again: Excel, LibreOffice and WPS give a re-saved workbook a new
modification time, so a commune that corrects its feedback copy and sends it back is read as
a new submission.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ntm_excel.errors import OutputLockedError


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target` in one step.

    On any error the temporary file is removed and `target` keeps its last good content.
    """
    target = Path(target)
    if target.is_dir():
        raise IsADirectoryError(
            errno.EISDIR, f"«{target}» là một thư mục, hãy ghi tên tệp kết quả", str(target)
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o644)  # mkstemp's 0600 would hide the output from colleagues on a shared folder
    try:
        yield tmp
        try:
            os.replace(tmp, target)
        except PermissionError as exc:  # Windows: the target is open in Excel (sharing violation)
            raise OutputLockedError(
                exc.errno,
                f"Không thay được tệp {target}: tệp đang mở ở nơi khác (Excel, ổ mạng dùng chung) "
                "hoặc không có quyền ghi. Hãy đóng tệp rồi chạy lại; bản cũ vẫn còn nguyên.",
                str(target),
            ) from exc
    finally:
        tmp.unlink(missing_ok=True)


OUTPUT_PROPERTY = "ntm-excel"
OUTPUT_KINDS = {"tong_hop": "bảng tổng hợp", "gop_y": "tệp góp ý"}  # kind → what it is
MARK_TOLERANCE = 120  # seconds between the mark and the modification time of an untouched output


def output_marker(kind: str, written: datetime) -> str:
    """The value of `OUTPUT_PROPERTY` for an output of `kind` (a key of `OUTPUT_KINDS`)
    whose core properties give `written` as its modification time: "tong_hop
    2021-03-25T08:00:00"."""
    return f"{kind} {written.replace(tzinfo=None):%Y-%m-%dT%H:%M:%S}"


def mark_output(book: object, kind: str, written: datetime | None = None) -> None:
    """Mark an XlsxWriter or openpyxl workbook about to be written as an output of `kind`.

    With XlsxWriter, `written` is the `created` date given to `set_properties` (XlsxWriter
    writes it as the modification time too); left out, XlsxWriter's default (now, UTC) is
    meant. With openpyxl, which sets the modification time when it saves, leave it out and
    save right after.
    """
    value = output_marker(kind, written or datetime.now(UTC))
    if hasattr(book, "set_custom_property"):  # XlsxWriter
        book.set_custom_property(OUTPUT_PROPERTY, value)
    else:  # openpyxl
        from openpyxl.packaging.custom import StringProperty

        book.custom_doc_props.append(StringProperty(name=OUTPUT_PROPERTY, value=value))


def marked_kind(marker: str, modified: datetime | None) -> str | None:
    """The kind of output a workbook is, from its mark and its modification time; None when
    it is not an untouched output (no mark, or saved again since it was written)."""
    kind, _, stamp = marker.strip().partition(" ")
    try:
        written = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if modified is None:
        return None
    if abs((modified.replace(tzinfo=None) - written).total_seconds()) > MARK_TOLERANCE:
        return None
    return kind
