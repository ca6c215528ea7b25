"""Workbooks as LibreOffice prints them: the text of each page (soffice, then pdftotext).

Tests that look at printed pages skip when LibreOffice or poppler is not installed.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

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


class Word(NamedTuple):
    """A word as printed: its text and its box on the page, in points."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def printed_words(pdf: Path) -> list[list[Word]]:
    """The words of each page of a printed workbook (`printed_pages` leaves the PDF in its
    folder), with their boxes: how large the text prints, what touches what."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [
        [Word(html.unescape(m[5]), *map(float, m.group(1, 2, 3, 4))) for m in _WORD.finditer(page)]
        for page in boxes.split("<page ")[1:]
    ]


def page_size(workbook_pdf: Path) -> str:
    """The page size pdfinfo reports, e.g. "841.89 x 595.276 pts (A4)"."""
    info = subprocess.run(["pdfinfo", str(workbook_pdf)], capture_output=True, text=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if "Page size" in line)
