"""Atomic output: write to a temporary file beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
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
