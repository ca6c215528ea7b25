"""Workbooks as LibreOffice prints them: the text of each page (soffice, then pdftotext).

Tests that look at printed pages skip when LibreOffice or poppler is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_libreoffice = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="LibreOffice (soffice) and poppler (pdftotext) are needed to print workbooks",
)


def printed_pages(workbook: Path, work: Path) -> list[str]:
    """Print `workbook` to PDF with a private LibreOffice profile; the text of each page,
    laid out as printed."""
    work.mkdir(parents=True, exist_ok=True)
    profile = (work / "profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf",
         "--outdir", str(work), str(workbook)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = work / f"{workbook.stem}.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def page_size(workbook_pdf: Path) -> str:
    """The page size pdfinfo reports, e.g. "841.89 x 595.276 pts (A4)"."""
    info = subprocess.run(["pdfinfo", str(workbook_pdf)], capture_output=True, text=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if "Page size" in line)
