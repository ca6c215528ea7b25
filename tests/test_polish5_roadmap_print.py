"""The blank template's «Lộ trình» sheet printed 2 of its 30 rows on a second page. Rendered
by LibreOffice, it is now one page, its print as large as the «Tự đánh giá» sheet's (not
shrunk unreadable). The template is made with `ntm-excel template`, the PDF read back."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ntm_excel.cli import main

needs = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdfinfo")),
    reason="LibreOffice or poppler-utils is not installed",
)
WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>')


def _pages(pdf) -> list[str]:
    """Each page's words as pdftotext -bbox gives them."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-bbox", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout  # fmt: skip
        for n in range(1, count + 1)
    ]


def _height(page: str, text: str) -> float:
    return next(float(y2) - float(y1) for y1, y2, word in WORD.findall(page) if word == text)


@needs
def test_the_roadmap_sheet_prints_on_one_readable_page(tmp_path):
    book = tmp_path / "bieu.xlsx"
    assert main(["template", "--unit", "Xã Cẩm Thành", "-o", str(book)]) == 0
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), str(book)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pages = _pages(tmp_path / "pdf" / "bieu.pdf")
    roadmap = [p for p in pages if ">Nguồn<" in p]  # its header, repeated on every page
    assert len(roadmap) == 1, len(roadmap)
    [page] = roadmap
    assert ">TRÌNH<" in page and ">Tiêu<" in page
    assessment = next(p for p in pages if ">TT<" in p and p not in roadmap)
    assert _height(page, "TT") >= 0.9 * _height(assessment, "TT")
