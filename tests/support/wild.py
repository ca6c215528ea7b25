"""Self-assessment workbooks made the way commune offices really make them by hand, with the
truth each was written from.

An independent check on the reader: the layouts here were written from the domain notes
(`shared/domain`: what a commune submits, headings seen in real documents) and from what
clerks do in Excel, LibreOffice and WPS, not from the reader's code or `samples.py`. Each file
is typed by a "clerk" (a seeded random generator): typos and odd spacing, mixed spellings of
Đạt, numbers as text ("85%", "85,5", "98 %", "≥ 90", "100% (12/12 thôn)"), headers over two or
three rows with merged group headings, extra columns copied from the provincial template,
criterion names in a merged column, indicators numbered "1.1", "1.1.", "a)", "-" or not at all,
cover sheets, hidden columns, totals rows, signature blocks, an old TCVN3 (.VnTime) file, .xls
written with xlwt, .ods written with odfpy, a workbook of several communes, a half-filled file,
the 2021–2025 set, and a roadmap sheet in the plan's phrases for deadlines and owners.

`write_wild(folder)` writes the files and returns the truth of each (also saved as
`truth.json`): per unit, the value and the self-assessment of every indicator row written, the
tasks with due date, owners and whether done, and whether the file is clean (a reader should
raise no warning or error on it). `bench/score_reader.py` runs the reader on them and scores it.

    python tests/support/wild.py OUT_DIR [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "workbooks" / "bo_tieu_chi.csv"
REGION_COLUMN = "chi_tieu_bac_trung_bo"  # Hà Tĩnh is in Bắc Trung Bộ

# The 21 communes of Cẩm Xuyên that must submit (shared/domain/README.md), with the way they
# are often written by hand (a plan writes "Cẩm Vịnh" for Cẩm Vĩnh).
UNITS = {
    "18679": "Yên Hòa",
    "18682": "Cẩm Dương",
    "18685": "Cẩm Bình",
    "18691": "Cẩm Vĩnh",
    "18694": "Cẩm Thành",
    "18697": "Cẩm Quang",
    "18706": "Cẩm Thạch",
    "18709": "Cẩm Nhượng",
    "18712": "Nam Phúc Thăng",
    "18715": "Cẩm Duệ",
    "18721": "Cẩm Lĩnh",
    "18724": "Cẩm Quan",
    "18727": "Cẩm Hà",
    "18730": "Cẩm Lộc",
    "18733": "Cẩm Hưng",
    "18736": "Cẩm Thịnh",
    "18739": "Cẩm Mỹ",
    "18742": "Cẩm Trung",
    "18745": "Cẩm Sơn",
    "18748": "Cẩm Lạc",
    "18751": "Cẩm Minh",
}
HAND_SPELLINGS = {"Cẩm Vĩnh": "Cẩm Vịnh", "Yên Hòa": "Yên Hoà"}
# the hand spellings with other tones, not only another tone placement: a title naming the
# commune so is matched with a warning (unit-name-tones)
OTHER_TONES = {"Cẩm Vĩnh"}

GROUPS_2016 = [
    ("I", "QUY HOẠCH", 1, 1),
    ("II", "HẠ TẦNG KINH TẾ - XÃ HỘI", 2, 9),
    ("III", "KINH TẾ VÀ TỔ CHỨC SẢN XUẤT", 10, 13),
    ("IV", "VĂN HÓA - XÃ HỘI - MÔI TRƯỜNG", 14, 17),
    ("V", "HỆ THỐNG CHÍNH TRỊ", 18, 19),
    ("VI", "TIÊU CHÍ CỦA TỈNH", 20, 20),
]

# Indicators under 17 and 18 of QĐ 318/QĐ-TTg that the catalogue keeps as one row each
# ("17.x", "18.x"): a real 2021–2025 file lists them one by one, and each is read as a part
# under its own code (17.1 …, or by its place when the row has no code).
SUB_2021 = {
    17: [
        "Tỷ lệ hộ được sử dụng nước sạch theo quy chuẩn",
        "Tỷ lệ cơ sở sản xuất - kinh doanh đảm bảo quy định về bảo vệ môi trường",
        "Cảnh quan, không gian xanh - sạch - đẹp, an toàn",
        "Đất cây xanh sử dụng công cộng tại điểm dân cư nông thôn",
        "Mai táng, hỏa táng phù hợp với quy định và theo quy hoạch",
        "Chất thải rắn và nước thải được thu gom, xử lý theo quy định",
    ],
    18: [
        "Cán bộ, công chức xã đạt chuẩn",
        "Đảng bộ, chính quyền xã được xếp loại chất lượng hoàn thành tốt nhiệm vụ trở lên",
        "Tổ chức chính trị - xã hội của xã được xếp loại chất lượng hoàn thành tốt nhiệm vụ",
        "Tiếp cận pháp luật theo quy định",
    ],
}


# --------------------------------------------------------------------------- the truth


@dataclass
class IndicatorTruth:
    code: str
    values: list  # acceptable values: numbers (0–100 for percentages) or texts; [] = blank
    assessment: str  # met | not_met | "" (blank)
    status: str  # met | not_met | unknown


@dataclass
class TaskTruth:
    criterion: int | None
    text: str
    due: str  # yyyy-mm-dd or ""
    owners: list[str]
    done: bool
    directors: list[str] = field(default_factory=list)  # «Lãnh đạo chỉ đạo»


@dataclass
class UnitTruth:
    code: str
    name: str
    indicators: list[IndicatorTruth] = field(default_factory=list)
    tasks: list[TaskTruth] = field(default_factory=list)


@dataclass
class FileTruth:
    file: str
    kind: str
    catalog_set: str
    clean: bool
    units: list[UnitTruth] = field(default_factory=list)
    # issue codes that this file legitimately raises (on top of info)
    expected_codes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Row:
    criterion: int
    criterion_name: str
    code: str
    text: str
    unit: str
    threshold: str  # Bắc Trung Bộ
    general: str
    comparison: str


def catalogue(set_id: str) -> list[Row]:
    rows = []
    with CATALOGUE.open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r["bo_tieu_chi"] != set_id or r["tinh"] not in ("", "Hà Tĩnh"):
                continue
            rows.append(
                Row(
                    int(r["tieu_chi"]),
                    r["ten_tieu_chi"],
                    r["ma_chi_tieu"],
                    r["noi_dung"],
                    r["don_vi_tinh"],
                    r[REGION_COLUMN] or r["chi_tieu_chung"],
                    r["chi_tieu_chung"],
                    r["so_sanh"],
                )
            )
    return rows


def _number(text: str) -> float | None:
    import re

    m = re.search(r"\d+(?:,\d+)?", text)
    return float(m.group().replace(",", ".")) if m else None


# --------------------------------------------------------------------------- a workbook


@dataclass
class Cell:
    value: object
    fmt: str | None = None  # number format
    bold: bool = False
    wrap: bool = False


@dataclass
class Sheet:
    name: str
    cells: dict = field(default_factory=dict)  # (row, col) 0-based -> Cell
    merges: list = field(default_factory=list)  # (r1, c1, r2, c2) inclusive
    hidden_cols: set = field(default_factory=set)
    hidden_rows: set = field(default_factory=set)
    widths: dict = field(default_factory=dict)

    def put(self, r: int, c: int, value, **kw) -> None:
        if value is None or value == "":
            return
        self.cells[(r, c)] = Cell(value, **kw)

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))


@dataclass
class Book:
    sheets: list[Sheet]
    font: str = "Times New Roman"


def write_book(book: Book, path: Path) -> None:
    {"xlsx": _write_xlsx, "xls": _write_xls, "ods": _write_ods}[path.suffix[1:]](book, path)


def _write_xlsx(book: Book, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        ws = wb.create_sheet(sheet.name)
        for (r, c), cell in sorted(sheet.cells.items()):
            target = ws.cell(row=r + 1, column=c + 1, value=cell.value)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                target.data_type = "s"  # typed text, never a formula
            target.font = Font(name=book.font, bold=cell.bold)
            if cell.wrap:
                target.alignment = Alignment(wrap_text=True, vertical="center")
            if cell.fmt:
                target.number_format = cell.fmt
        for r1, c1, r2, c2 in sheet.merges:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for c, w in sheet.widths.items():
            ws.column_dimensions[get_column_letter(c + 1)].width = w
        for c in sheet.hidden_cols:
            ws.column_dimensions[get_column_letter(c + 1)].hidden = True
        for r in sheet.hidden_rows:
            ws.row_dimensions[r + 1].hidden = True
    wb.save(path)


def _write_xls(book: Book, path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles: dict = {}

    def style(cell: Cell):
        key = (cell.fmt, cell.bold, cell.wrap)
        if key not in styles:
            spec = f"font: name {book.font}{', bold on' if cell.bold else ''};"
            if cell.wrap:
                spec += " align: wrap on, vert centre;"
            styles[key] = xlwt.easyxf(spec, num_format_str=cell.fmt or "General")
        return styles[key]

    for sheet in book.sheets:
        ws = wb.add_sheet(sheet.name, cell_overwrite_ok=True)
        covered = set()
        for r1, c1, r2, c2 in sheet.merges:
            top = sheet.cells.get((r1, c1), Cell(""))
            ws.write_merge(r1, r2, c1, c2, top.value, style(top))
            covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for (r, c), cell in sheet.cells.items():
            if (r, c) not in covered:
                ws.write(r, c, cell.value, style(cell))
        for c, w in sheet.widths.items():
            ws.col(c).width = int(w * 256)
        for c in sheet.hidden_cols:
            ws.col(c).hidden = True
        for r in sheet.hidden_rows:
            ws.row(r).hidden = True
    wb.save(str(path))


def _write_ods(book: Book, path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableColumnProperties, TableRowProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    hidden_row = Style(name="hiddenrow", family="table-row")
    hidden_row.addElement(TableRowProperties())
    doc.automaticstyles.addElement(hidden_row)
    col_style = Style(name="co1", family="table-column")
    col_style.addElement(TableColumnProperties(columnwidth="3cm"))
    doc.automaticstyles.addElement(col_style)
    for sheet in book.sheets:
        table = Table(name=sheet.name)
        width = 1 + max((c for _, c in sheet.cells), default=0)
        height = 1 + max((r for r, _ in sheet.cells), default=0)
        for c in range(width):
            kw = {"stylename": col_style}
            if c in sheet.hidden_cols:
                kw["visibility"] = "collapse"
            table.addElement(TableColumn(**kw))
        spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in sheet.merges}
        covered = {
            (r, c)
            for r1, c1, r2, c2 in sheet.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1)
        }
        for r in range(height):
            row = TableRow(visibility="collapse") if r in sheet.hidden_rows else TableRow()
            for c in range(width):
                if (r, c) in covered:
                    row.addElement(CoveredTableCell())
                    continue
                kw = {}
                if (r, c) in spans:
                    kw["numberrowsspanned"], kw["numbercolumnsspanned"] = spans[(r, c)]
                cell = sheet.cells.get((r, c))
                value = cell.value if cell else None
                if value is None:
                    row.addElement(TableCell(**kw))
                    continue
                if isinstance(value, (datetime, date)):
                    iso = value.strftime("%Y-%m-%d")
                    tc = TableCell(valuetype="date", datevalue=iso, **kw)
                    text = value.strftime("%d/%m/%Y")
                elif isinstance(value, bool):
                    tc = TableCell(valuetype="boolean", booleanvalue=str(value).lower(), **kw)
                    text = str(value).upper()
                elif isinstance(value, (int, float)) and cell.fmt and "%" in cell.fmt:
                    tc = TableCell(valuetype="percentage", value=value, **kw)
                    text = f"{value * 100:g}%"
                elif isinstance(value, (int, float)):
                    tc = TableCell(valuetype="float", value=value, **kw)
                    text = f"{value:g}"
                else:
                    tc = TableCell(valuetype="string", **kw)
                    text = str(value)
                for line in text.split("\n"):
                    tc.addElement(P(text=line))
                row.addElement(tc)
            table.addElement(row)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))


# --------------------------------------------------------------------------- TCVN3 (ABC)

_TCVN3_LOWER = {
    "à": "µ", "ả": "¶", "ã": "·", "á": "¸", "ạ": "¹",
    "ă": "¨", "ằ": "»", "ẳ": "¼", "ẵ": "½", "ắ": "¾", "ặ": "Æ",
    "â": "©", "ầ": "Ç", "ẩ": "È", "ẫ": "É", "ấ": "Ê", "ậ": "Ë",
    "đ": "®",
    "è": "Ì", "ẻ": "Î", "ẽ": "Ï", "é": "Ð", "ẹ": "Ñ",
    "ê": "ª", "ề": "Ò", "ể": "Ó", "ễ": "Ô", "ế": "Õ", "ệ": "Ö",
    "ì": "×", "ỉ": "Ø", "ĩ": "Ü", "í": "Ý", "ị": "Þ",
    "ò": "ß", "ỏ": "á", "õ": "â", "ó": "ã", "ọ": "ä",
    "ô": "«", "ồ": "å", "ổ": "æ", "ỗ": "ç", "ố": "è", "ộ": "é",
    "ơ": "¬", "ờ": "ê", "ở": "ë", "ỡ": "ì", "ớ": "í", "ợ": "î",
    "ù": "ï", "ủ": "ñ", "ũ": "ò", "ú": "ó", "ụ": "ô",
    "ư": "\u00ad", "ừ": "õ", "ử": "ö", "ữ": "÷", "ứ": "ø", "ự": "ù",
    "ỳ": "ú", "ỷ": "û", "ỹ": "ü", "ý": "ý", "ỵ": "þ",
}  # fmt: skip
_TCVN3_UPPER = {"Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}


def tcvn3(text: str) -> str:
    """Text as a .VnTime user types it: toned capitals use the lower-case code (the .VnTimeH
    font draws them as capitals)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _TCVN3_UPPER:
            out.append(_TCVN3_UPPER[ch])
        elif ch in _TCVN3_LOWER:
            out.append(_TCVN3_LOWER[ch])
        elif ch.lower() in _TCVN3_LOWER:
            out.append(_TCVN3_LOWER[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------- the clerk


def ascii_fold(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )


MET_WORDS = [
    ("Đạt", "Chưa đạt"),
    ("đạt", "chưa đạt"),
    ("ĐẠT", "CHƯA ĐẠT"),
    ("Dat", "Chua dat"),
    ("Đ", "Chưa đạt"),
    ("Đạt chuẩn", "Chưa đạt chuẩn"),
    ("Đạt", "Không đạt"),
    ("đạt ", " Chưa đạt"),
]


@dataclass
class Style:
    """How one clerk lays out and types one workbook."""

    fmt: str = "xlsx"
    sheet: str = "Sheet1"
    cover: bool = False
    title: str = "ubnd"  # ubnd | ascii | bcd | sentence | none | code | huyen
    header: str = "one"  # one | two | three
    name_col: bool = False  # criterion names in their own merged column
    merged_tt: bool = False  # TT merged over the criterion's rows; indicators not numbered
    numbering: str = "dot"  # dot | dotdot | comma | letter | dash | none | incontent
    crit_label: str = "num"  # num | tcso | tc | named
    threshold: str = "single"  # single | region | none
    threshold_first: bool = True
    extra_qd: bool = False
    unit_col: bool = False
    assess: str = "single"  # single | checkbox
    words: tuple = ("Đạt", "Chưa đạt")
    crit_assess: bool = False  # criterion rows carry the criterion's assessment
    pct: str = "text"  # text | plain | fraction | spaced | comma
    noisy: bool = False
    hidden_year: bool = False
    group_rows: bool = False
    totals: bool = True
    signature: bool = True
    legacy: bool = False
    roadmap: str | None = None
    roadmap_owner: str = "one"  # one | two
    owner_heading: str = ""  # the roadmap's owner heading ("" = the clerk's choice)
    number_in_name: float = 0.3  # share of criterion rows written «1. Quy hoạch»
    partial: bool = False
    set_id: str = "xa_2016_2020"
    typos: bool = True
    text_cells: bool = False  # WPS / a text-formatted column: every number typed as text
    num_row: bool = False  # the "(1) (2) (3)" row under the header
    value_heading: str = "Kết quả thực hiện"
    assess_heading: str = "Tự đánh giá"
    note_heading: str = "Ghi chú"
    tt_heading: str = "TT"
    content_heading: str = "Nội dung tiêu chí"
    threshold_heading: str = "Chỉ tiêu"
    not_met_share: float = 0.12


class Clerk:
    def __init__(self, rng: random.Random, style: Style):
        self.rng, self.s = rng, style

    def typo(self, text: str) -> str:
        """Typing slips that keep the meaning: a double space, a missing tone mark on one
        word, a trailing space."""
        if not self.s.typos or self.rng.random() > 0.3:
            return text
        words = text.split(" ")
        i = self.rng.randrange(len(words))
        choice = self.rng.random()
        if choice < 0.4:
            words[i] = words[i] + " "
        elif choice < 0.7 and len(words) > 3:
            folded = ascii_fold(words[i])
            if folded != words[i] and words[i][:1].islower():
                words[i] = folded
        else:
            return text + " "
        return " ".join(words)

    def word(self, met: bool) -> str:
        w = self.s.words[0 if met else 1]
        if self.s.typos and self.rng.random() < 0.1:
            w = w + " "
        return w

    def percent(self, v: float) -> tuple[object, str | None]:
        """A percentage typed the file's way (value, number format)."""
        style = self.s.pct
        if style == "fraction":
            return round(v / 100, 4), "0.0%"
        if style == "plain":
            return (v if not self.s.text_cells else _vn(v)), None
        if style == "spaced":
            return f"{_vn(v)} %", None
        if style == "comma":
            return _vn(v), None
        return f"{_vn(v)}%", None


def _vn(v: float) -> str:
    """A number written the Vietnamese way: decimal comma, no thousands mark below 1000."""
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _threshold_text(rng: random.Random, threshold: str) -> str:
    """The requirement as a clerk copies it: ≥70%, >= 70%, ≥ 70 …"""
    n = _number(threshold)
    if threshold.startswith("≥") and n is not None:
        return rng.choice([f"≥{_vn(n)}%", f"≥ {_vn(n)}%", f">= {_vn(n)}%", f"≥{_vn(n)}"])
    if threshold.startswith("≤") and n is not None:
        return rng.choice([f"≤{_vn(n)}%", f"≤ {_vn(n)}%", f"<= {_vn(n)}%"])
    if threshold == "100":
        return rng.choice(["100%", "100"])
    if "chưa xác minh" in threshold:
        return "Đạt"
    return threshold.split(" (")[0] if threshold.startswith("Đạt (UBND") else threshold


# --------------------------------------------------------------------------- values


@dataclass
class Written:
    cell: object
    fmt: str | None
    truth: list  # acceptable read values
    met: bool


def make_value(clerk: Clerk, row: Row, met: bool) -> Written:
    """The value cell of one indicator, consistent with the region's threshold."""
    rng, s = clerk.rng, clerk.s
    t, cmp = row.threshold, row.comparison
    n = _number(t)
    numeric = cmp in (">=", "<=", "=", ">", "<") or (cmp == "Đạt" and n is not None)
    if row.code == "10" or "triệu" in row.unit:
        if n is None:  # unverified income threshold
            n = 45.0
        v = round(rng.uniform(n + 1, n + 15) if met else rng.uniform(n - 8, n - 1), 1)
        choice = rng.random()
        if choice < 0.4:
            return Written(_vn(v), None, [v], met)
        if choice < 0.7:
            return Written(f"{_vn(v)} triệu đồng/người/năm", None, [v], met)
        return Written(v if not s.text_cells else _vn(v), None, [v], met)
    if cmp == "=" and t in ("Không", "Có"):
        if met:
            cell = rng.choice(["Không", "Không có", 0, "Không còn nhà tạm"])
        else:
            cell = rng.choice(["Có", "Còn 3 nhà tạm"])
        truth = [0.0] if cell == 0 else [cell, *SAME_MEANING.get(cell, [])]
        return Written(cell, None, truth, met)
    if numeric and n is not None and "%" in (row.unit + t) or (numeric and row.unit == "%"):
        if n is None:  # unverified threshold of a percentage indicator
            lo = 60.0
            v = round(rng.uniform(lo, 100), 1)
        elif cmp == "=":
            v = 100.0 if met else round(rng.uniform(85, 99), 1)
        elif cmp == "<=":
            v = round(
                rng.uniform(max(0.5, n - 4), n - 0.1) if met else rng.uniform(n + 0.5, n + 5), 1
            )
        else:
            v = round(rng.uniform(n, 100) if met else rng.uniform(n - 15, n - 0.5), 1)
        if s.noisy and rng.random() < 0.35:
            kind = rng.choice(["thon", "geq", "dat", "approx"])
            if kind == "thon" and v == 100:
                return Written("100% (12/12 thôn)", None, [100.0], met)
            if kind == "geq" and met and cmp == ">=":
                w = round(v)
                return Written(f"≥ {w}", None, [float(w)], met)
            if kind == "dat" and met and v == 100:
                return Written("Đạt (100%)", None, [100.0], met)
            if kind == "approx":
                return Written(f"{_vn(v)} %", None, [v], met)
        if "trong đó" in t:  # 17.1: the clean-water share written beside
            clean = rng.randint(61, 80)
            text = f"{_vn(v)}% ({clean}% nước sạch)"
            return Written(text, None, [v, text], met)  # the catalogue's composite rule
        cell, fmt = clerk.percent(v)
        return Written(cell, fmt, [v], met)
    # qualitative
    if met:
        cell = rng.choice(
            ["Đạt", "Có", "Hoàn thành", "Đã phê duyệt", "Đảm bảo", "", "", "x", "Có (đạt)"]
        )
    else:
        cell = rng.choice(["Chưa", "Chưa hoàn thành", "Không", ""])
    if row.code in ("1.1", "1") and met and rng.random() < 0.5:
        cell = rng.choice(
            [
                "Đã phê duyệt ngày 12/3/2019",
                "QĐ số 1234/QĐ-UBND ngày 15/5/2018",
                datetime(2019, 3, 12),
            ]
        )
        if isinstance(cell, datetime):
            return Written(cell, "dd/mm/yyyy", ["2019-03-12", "12/03/2019"], met)
    return Written(cell, None, [cell, *SAME_MEANING.get(cell, [])] if cell != "" else [], met)


# What a reader may also answer for a qualitative value: its plain meaning.
SAME_MEANING = {
    "x": ["Có"],
    "Có (đạt)": ["Có"],
    "Chưa": ["Chưa đạt"],
    "Hoàn thành": ["Đạt"],
    "Chưa hoàn thành": ["Chưa đạt"],
    "Không có": ["Không"],
    "Không còn nhà tạm": ["Không"],
}


# --------------------------------------------------------------------------- the table


def heading_paths(s: Style) -> list[tuple[str, list[str]]]:
    """(role, heading path) per column, in the clerk's order."""
    cols: list[tuple[str, list[str]]] = [("tt", [s.tt_heading])]
    if s.name_col:
        cols.append(("name", ["Tên tiêu chí"]))
    cols.append(("content", [s.content_heading]))
    if s.unit_col:
        cols.append(("unit", ["Đơn vị tính" if s.header != "one" else "ĐVT"]))
    thr: list[tuple[str, list[str]]] = []
    if s.threshold == "single":
        thr = [("threshold", [s.threshold_heading])]
    elif s.threshold == "region":
        thr = [
            ("threshold_general", [s.threshold_heading, "Chung"]),
            ("threshold", [s.threshold_heading, "Bắc Trung Bộ"]),
        ]
    res: list[tuple[str, list[str]]] = []
    if s.hidden_year:
        res.append(("old_value", [s.value_heading, "Năm 2019"]))
        res.append(("value", [s.value_heading, "Năm 2020"]))
    elif s.header == "three":
        res.append(("value", ["Kết quả tự đánh giá của xã", s.value_heading]))
    else:
        res.append(("value", [s.value_heading]))
    if s.assess == "checkbox":
        res += [("met", [s.assess_heading, "Đạt"]), ("not_met", [s.assess_heading, "Chưa đạt"])]
    elif s.header == "three":
        res.append(("assess", ["Kết quả tự đánh giá của xã", s.assess_heading]))
    else:
        res.append(("assess", [s.assess_heading]))
    cols += thr + res if s.threshold_first else res + thr
    if s.extra_qd:
        cols.append(("qd", ["Mức độ đạt chuẩn theo QĐ 05/2017/QĐ-UBND"]))
    cols.append(("note", [s.note_heading]))
    return cols


def title_block(sheet: Sheet, s: Style, unit_name: str, rng: random.Random, width: int) -> int:
    """Write the title block; return the next free row."""
    hand = HAND_SPELLINGS.get(unit_name, unit_name) if rng.random() < 0.5 else unit_name
    lines: list[tuple[str, str]] = []  # (left, right)
    upper = hand.upper()
    if s.title == "huyen":
        lines.append(("UBND HUYỆN CẨM XUYÊN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
        lines.append((f"UBND XÃ {upper}", "Độc lập - Tự do - Hạnh phúc"))
    elif s.title == "ubnd":
        lines.append((f"UBND XÃ {upper}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
        lines.append(("", "Độc lập - Tự do - Hạnh phúc"))
    elif s.title == "ascii":
        lines.append((f"UBND XA {ascii_fold(upper)}", "CONG HOA XA HOI CHU NGHIA VIET NAM"))
    elif s.title == "bcd":
        lines.append(("BCĐ XÂY DỰNG NTM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
        lines.append((f"XÃ {upper}", "Độc lập - Tự do - Hạnh phúc"))
    elif s.title == "code":
        lines.append((f"Mã đơn vị: {_code_of(unit_name)}", ""))
    year = "2022" if s.set_id == "xa_2021_2025" else "2020"
    if s.title == "sentence":
        heading = f"BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ NTM XÃ {upper} NĂM {year}"
    else:
        heading = rng.choice(
            [
                f"BIỂU TỰ ĐÁNH GIÁ MỨC ĐỘ ĐẠT CHUẨN TIÊU CHÍ NÔNG THÔN MỚI NĂM {year}",
                f"BIỂU TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NTM NĂM {year}",
            ]
        )
    r = 0
    for left, right in lines:
        sheet.put(r, 0, left, bold=True)
        sheet.merge(r, 0, r, 2) if left else None
        sheet.put(r, max(3, width - 3), right, bold=True)
        r += 1
    r += 1
    sheet.put(r, 0, heading, bold=True)
    sheet.merge(r, 0, r, width - 1)
    r += 1
    sheet.put(r, 0, "(Kèm theo Báo cáo số      /BC-UBND ngày    /3/2021 của UBND xã)")
    sheet.merge(r, 0, r, width - 1)
    return r + 2


def _code_of(name: str) -> str:
    return next(k for k, v in UNITS.items() if v == name)


def write_header(sheet: Sheet, top: int, cols: list[tuple[str, list[str]]], s: Style) -> int:
    depth = max(len(p) for _, p in cols)
    for c, (_, path) in enumerate(cols):
        if len(path) == 1:
            sheet.put(top, c, path[0], bold=True, wrap=True)
            sheet.merge(top, c, top + depth - 1, c)
        else:
            sheet.put(top + 1, c, path[1], bold=True, wrap=True)
    c = 0
    while c < len(cols):
        path = cols[c][1]
        if len(path) > 1:
            end = c
            while (
                end + 1 < len(cols) and len(cols[end + 1][1]) > 1 and cols[end + 1][1][0] == path[0]
            ):
                end += 1
            sheet.put(top, c, path[0], bold=True, wrap=True)
            sheet.merge(top, c, top, end)
            c = end + 1
        else:
            c += 1
    r = top + depth
    if s.num_row or s.header == "three":
        for c in range(len(cols)):
            sheet.put(r, c, f"({c + 1})")
        r += 1
    return r


def _indicator_label(s: Style, row: Row, k: int, rng: random.Random) -> str:
    letters = "abcdđeghiklmn"
    code = row.code
    if s.numbering == "dot":
        return code
    if s.numbering == "dotdot":
        return code + "."
    if s.numbering == "comma":
        return code.replace(".", ",")
    if s.numbering == "letter":
        return f"{letters[k]})"
    if s.numbering == "dash":
        return "-"
    return ""


def _criterion_label(s: Style, no: int) -> str:
    return {
        "num": str(no),
        "tcso": f"Tiêu chí số {no}",
        "tc": f"TC{no}",
        "named": str(no),
    }[s.crit_label]


@dataclass
class TableResult:
    indicators: list[IndicatorTruth]
    met_criteria: int
    total_criteria: int
    clean: bool
    expected: list[str]
    not_met_criteria: list[int]


def write_table(
    sheet: Sheet, top: int, s: Style, rng: random.Random, clerk: Clerk
) -> tuple[int, TableResult]:
    rows = catalogue(s.set_id)
    cols = heading_paths(s)
    role_col = {role: i for i, (role, _) in enumerate(cols)}
    r = write_header(sheet, top, cols, s)
    for i, (role, _) in enumerate(cols):
        sheet.widths[i] = {"content": 48, "name": 18, "note": 20, "qd": 16}.get(role, 11)
    if s.hidden_year:
        sheet.hidden_cols.add(role_col["old_value"])
    by_crit: dict[int, list[Row]] = {}
    for row in rows:
        by_crit.setdefault(row.criterion, []).append(row)
    truths: list[IndicatorTruth] = []
    clean, expected = True, []
    skip_from = 14 if s.partial else 99
    met_count = 0
    not_met_criteria = []
    groups = {g[2]: g for g in GROUPS_2016} if s.group_rows else {}

    def put(col_role: str, rr: int, value, fmt=None):
        if col_role in role_col:
            sheet.put(rr, role_col[col_role], value, fmt=fmt, wrap=col_role == "content")

    for no, crows in sorted(by_crit.items()):
        if no in groups:
            roman, gname, _, _ = groups[no]
            put("tt", r, roman)
            sheet.put(
                r, role_col["content"] if not s.name_col else role_col["name"], gname, bold=True
            )
            r += 1
        name = crows[0].criterion_name
        sub2021 = s.set_id == "xa_2021_2025" and crows[0].code.endswith(".x")
        blank = no >= skip_from
        decisions = [rng.random() > s.not_met_share for _ in crows]
        if sub2021:
            decisions = [rng.random() > s.not_met_share / 2 for _ in SUB_2021[no]]
        crit_met = all(decisions) and not blank
        met_count += crit_met
        if not crit_met and not blank:
            not_met_criteria.append(no)
        single = len(crows) == 1 and not sub2021
        start = r
        label = _criterion_label(s, no)
        # the criterion row (or the single indicator's row)
        if s.name_col:
            put("name", r, name if s.crit_label != "tcso" else f"Tiêu chí số {no}: {name}")
        if not s.merged_tt:
            put("tt", r, label)
        if single:
            row = crows[0]
            text = (
                row.text
                if s.name_col
                else f"{name}: {clerk.typo(row.text)}"
                if s.crit_label != "named"
                else clerk.typo(row.text)
            )
            put("content", r, clerk.typo(text) if not s.name_col else clerk.typo(row.text))
            truths.append(_indicator_row(put, r, row, decisions[0], s, rng, clerk, blank))
            r += 1
        else:
            if not s.name_col:
                put(
                    "content",
                    r,
                    f"{label}. {name}"
                    if s.crit_label == "num" and rng.random() < s.number_in_name
                    else name,
                )
                if s.crit_label in ("tcso", "tc"):
                    put("content", r, name)
            if s.crit_assess and not blank:
                _assess(put, r, crit_met, s, clerk)
            if not s.merged_tt or not s.name_col:
                r += 1
            items = SUB_2021[no] if sub2021 else crows
            for k, row in enumerate(items):
                if sub2021:
                    code = f"{no}.{k + 1}"
                    fake = Row(no, name, code, row, "", "Đạt", "Đạt", "Đạt")
                    lab = _indicator_label(s, fake, k, rng)
                    put("tt", r, lab)
                    put("content", r, clerk.typo(row))
                    truths.append(_indicator_row(put, r, fake, decisions[k], s, rng, clerk, blank))
                else:
                    lab = _indicator_label(s, row, k, rng)
                    if s.numbering == "incontent":
                        put("content", r, f"{row.code}. {clerk.typo(row.text)}")
                    else:
                        put("tt", r, lab)
                        put("content", r, clerk.typo(row.text))
                    truths.append(_indicator_row(put, r, row, decisions[k], s, rng, clerk, blank))
                r += 1
            if sub2021:
                truths.append(
                    IndicatorTruth(
                        crows[0].code,
                        ["*"],
                        "" if blank else ("met" if crit_met else "not_met"),
                        "unknown" if blank else ("met" if crit_met else "not_met"),
                    )
                )
        end = r - 1
        if s.name_col and end > start:
            sheet.merge(start, role_col["name"], end, role_col["name"])
        if s.merged_tt and end > start:
            put("tt", start, label)
            sheet.merge(start, role_col["tt"], end, role_col["tt"])
        if blank:
            clean = False
    total = len(by_crit)
    if s.partial:
        expected += ["value-missing", "assessment-missing", "indicator-incomplete"]
    if s.totals:
        r += 0
        text = rng.choice(
            [
                f"Tổng số tiêu chí đạt: {met_count}/{total}",
                f"Tổng cộng: {met_count}/{total} tiêu chí đạt chuẩn",
            ]
        )
        sheet.put(r, role_col["content"], text, bold=True)
        if s.partial:
            expected.append("total-mismatch")
        r += 1
    return r, TableResult(truths, met_count, total, clean, expected, not_met_criteria)


def _assess(put, r: int, met: bool, s: Style, clerk: Clerk) -> None:
    if s.assess == "checkbox":
        put("met" if met else "not_met", r, clerk.rng.choice(["x", "X", "x "]))
    else:
        put("assess", r, clerk.word(met))


def _indicator_row(
    put, r, row: Row, met: bool, s: Style, rng, clerk: Clerk, blank: bool
) -> IndicatorTruth:
    if s.threshold != "none":
        put("threshold", r, _threshold_text(rng, row.threshold))
        put("threshold_general", r, _threshold_text(rng, row.general))
    if s.unit_col:
        put(
            "unit", r, row.unit.split(" / ")[0].replace("Đạt/Không đạt", "").replace("Có/Không", "")
        )
    if s.extra_qd:
        put("qd", r, _threshold_text(rng, row.threshold))
    if blank:
        return IndicatorTruth(row.code, [], "", "unknown")
    w = make_value(clerk, row, met)
    put("value", r, w.cell, w.fmt)
    if s.hidden_year and w.truth and isinstance(w.truth[0], float):
        old = max(0.0, w.truth[0] - rng.uniform(3, 10))
        cell, fmt = clerk.percent(round(old, 1)) if "%" in row.unit else (round(old, 1), None)
        put("old_value", r, cell, fmt)
    _assess(put, r, met, s, clerk)
    if rng.random() < 0.25:
        put(
            "note",
            r,
            rng.choice(
                ["Có hồ sơ kèm theo", "QĐ số 45/QĐ-UBND", "Theo số liệu thống kê", "Phụ lục 2"]
            ),
        )
    status = "met" if met else "not_met"
    return IndicatorTruth(row.code, w.truth, status, status)


def signature(sheet: Sheet, r: int, unit: str, width: int, rng: random.Random) -> int:
    day = rng.randint(5, 14)
    sheet.put(r + 1, max(3, width - 3), f"{unit}, ngày {day} tháng 3 năm 2021")
    sheet.put(r + 2, 0, "NGƯỜI LẬP BIỂU", bold=True)
    sheet.put(r + 2, max(3, width - 3), "TM. ỦY BAN NHÂN DÂN", bold=True)
    sheet.put(r + 3, max(3, width - 3), "CHỦ TỊCH", bold=True)
    sheet.put(
        r + 7, max(3, width - 3), rng.choice(["Nguyễn Văn Hùng", "Trần Đình Lợi", "Lê Thị Hương"])
    )
    return r + 8


# --------------------------------------------------------------------------- the roadmap

DEADLINES = [
    ("Tháng 4/2021", "2021-04-30"),
    ("trong tháng 5/2021", "2021-05-31"),
    ("Quý II/2021", "2021-06-30"),
    ("quý 3/2021", "2021-09-30"),
    ("trước ngày 30/4/2021", "2021-04-30"),
    ("chậm nhất trong tháng 6/2021", "2021-06-30"),
    ("khởi công tháng 4/2021, hoàn thành tháng 8/2021", "2021-08-31"),
    ("15/5/2021", "2021-05-15"),
    ("30/6/21", "2021-06-30"),
    ("10.7.2021", "2021-07-10"),
    ("6 tháng đầu năm 2021", "2021-06-30"),
    ("Tháng 10 năm 2021", "2021-10-31"),
    ("Hoàn thành trước 31/5/2021", "2021-05-31"),
    (date(2021, 7, 31), "2021-07-31"),
    ("Thường xuyên", ""),
    ("trong năm 2021", "2021-12-31"),
    ("Quý IV", "2021-12-31"),
    ("Tháng 9", "2021-09-30"),
]
OWNERS = [
    ("Đ/c: Trần Văn Lượng - Chủ tịch", ["Trần Văn Lượng"]),
    ("Đ/c Nguyễn Huy Vinh, CC Địa chính", ["Nguyễn Huy Vinh"]),
    ("Lê Thị Hoa (PCT UBND xã)", ["Lê Thị Hoa"]),
    ("Phó Chủ tịch UBND xã - Nguyễn Văn Nam", ["Nguyễn Văn Nam"]),
    ("Đ/c Phạm Quốc Hùng - PCT; Đ/c Võ Thị Lan - CC VHXH", ["Phạm Quốc Hùng", "Võ Thị Lan"]),
    ("Trần Văn Lượng\nNguyễn Huy Vinh", ["Trần Văn Lượng", "Nguyễn Huy Vinh"]),
    ("Nguyễn Đình Tâm (chủ trì), Hoàng Văn Sơn (phối hợp)", ["Nguyễn Đình Tâm"]),  # Sơn helps
    ("Đ/c Bùi Xuân Thủy - Chủ tịch UBND xã", ["Bùi Xuân Thủy"]),
    ("Hồ Sỹ Nam - Trưởng ban NN", ["Hồ Sỹ Nam"]),
]
STATES = [
    ("Đã hoàn thành", True),
    ("Hoàn thành", True),
    ("xong", True),
    ("Đang thực hiện", False),
    ("Chưa thực hiện", False),
    ("Đang triển khai", False),
    ("", False),
]
TASK_TEXTS = [
    "Bổ sung hồ sơ, minh chứng của tiêu chí ({n} bộ)",
    "Nâng cấp, bê tông hóa {n} km đường trục thôn",
    "Tuyên truyền, vận động nhân dân tham gia tại {n} thôn",
    "Rà soát, cập nhật số liệu đợt {n}",
    "Xây dựng {n} mô hình vườn mẫu",
    "Hoàn thiện hệ thống rãnh thoát nước khu dân cư",
    "Vận động hộ gia đình tham gia BHYT",
    "Cải tạo nhà văn hóa thôn {n}",
]


def write_roadmap(
    book: Book, s: Style, unit: str, rng: random.Random, not_met: list[int], names: dict[int, str]
) -> list[TaskTruth]:
    sheet = Sheet(s.roadmap or "Lộ trình")
    sheet.put(0, 0, f"UBND XÃ {unit.upper()}", bold=True)
    sheet.put(
        2, 0, f"LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ NÔNG THÔN MỚI NĂM 2021 XÃ {unit.upper()}", bold=True
    )
    sheet.merge(2, 0, 2, 7)
    heads = [
        "TT",
        "Tiêu chí",
        rng.choice(
            ["Nội dung công việc cần thực hiện", "Nội dung công việc", "Nhiệm vụ, giải pháp"]
        ),
        rng.choice(["Thời gian hoàn thành", "Thời gian thực hiện", "Thời hạn hoàn thành"]),
    ]
    if s.roadmap_owner == "two":
        heads += ["Lãnh đạo chỉ đạo", "Người chủ trì thực hiện"]
    else:
        heads += [
            s.owner_heading
            or rng.choice(["Người phụ trách", "Cán bộ phụ trách", "Người chịu trách nhiệm"])
        ]
    heads += [
        "Kinh phí (triệu đồng)",
        "Nguồn vốn",
        rng.choice(["Tình trạng", "Tiến độ", "Kết quả thực hiện"]),
    ]
    top = 4
    for c, h in enumerate(heads):
        sheet.put(top, c, h, bold=True, wrap=True)
        sheet.widths[c] = 30 if c == 2 else 14
    r = top + 1
    tasks: list[TaskTruth] = []
    crits = sorted(set(not_met) | set(rng.sample(sorted(names), 3)))
    col = {h: i for i, h in enumerate(heads)}
    owner_cols = [
        i for i, h in enumerate(heads) if h in ("Lãnh đạo chỉ đạo", "Người chủ trì thực hiện")
    ] or [4]
    n_task = 0
    for no in crits:
        label = rng.choice([f"Tiêu chí số {no}", str(no), f"TC {no}"])
        sheet.put(r, 0, str(no) if label != str(no) else "")
        sheet.put(r, 1, f"{label}: {names[no]}" if label != str(no) else names[no], bold=True)
        if label == str(no):
            sheet.put(r, 0, label)
        r += 1
        for k in range(rng.randint(1, 2)):
            n_task += 1
            text = rng.choice(TASK_TEXTS).format(n=rng.randint(1, 9))
            while any(t.text == text for t in tasks):
                text = rng.choice(TASK_TEXTS).format(n=rng.randint(1, 99))
            phrase, due = DEADLINES[(n_task * 5 + rng.randrange(3)) % len(DEADLINES)]
            state_word, done = rng.choice(STATES)
            sheet.put(r, 0, f"{k + 1}" if rng.random() < 0.7 else "-")
            sheet.put(r, 2, text)
            sheet.put(r, 3, phrase, fmt="dd/mm/yyyy" if isinstance(phrase, date) else None)
            people: dict[int, list[str]] = {}
            for oc in owner_cols:
                otext, onames = rng.choice(OWNERS)
                sheet.put(r, oc, otext, wrap=True)
                people[oc] = onames
            owners, directors = (
                people[owner_cols[-1]],
                people.get(owner_cols[0], []) if len(owner_cols) > 1 else [],
            )
            sheet.put(
                r, col["Kinh phí (triệu đồng)"], rng.choice([50, "120", "1.200", "", "Lồng ghép"])
            )
            sheet.put(
                r, col["Nguồn vốn"], rng.choice(["NS tỉnh", "NS xã + dân góp", "Lồng ghép", ""])
            )
            sheet.put(r, len(heads) - 1, state_word)
            tasks.append(TaskTruth(no, text, due, owners, done, directors))
            r += 1
    book.sheets.append(sheet)
    return tasks


# --------------------------------------------------------------------------- files


def legacy_book(book: Book) -> Book:
    for sheet in book.sheets:
        sheet.name = ascii_fold(sheet.name)
        for cell in sheet.cells.values():
            if isinstance(cell.value, str):
                cell.value = tcvn3(cell.value)
    book.font = ".VnTime"
    return book


def commune_sheet(
    s: Style, unit: str, rng: random.Random, name: str | None = None
) -> tuple[Sheet, TableResult]:
    sheet = Sheet(name or s.sheet)
    clerk = Clerk(rng, s)
    width = len(heading_paths(s))
    top = (
        title_block(sheet, s, unit, rng, width)
        if s.title != "none"
        else _bare_title(sheet, s, width)
    )
    r, result = write_table(sheet, top, s, rng, clerk)
    if s.signature:
        signature(sheet, r, unit, width, rng)
    return sheet, result


def _bare_title(sheet: Sheet, s: Style, width: int) -> int:
    sheet.put(0, 0, "BIỂU TỰ ĐÁNH GIÁ CÁC TIÊU CHÍ NÔNG THÔN MỚI", bold=True)
    sheet.merge(0, 0, 0, width - 1)
    return 2


def cover_sheet(unit: str) -> Sheet:
    sheet = Sheet("Bìa")
    sheet.put(2, 1, "ỦY BAN NHÂN DÂN HUYỆN CẨM XUYÊN", bold=True)
    sheet.put(6, 1, "HỒ SƠ", bold=True)
    sheet.put(
        7, 1, f"ĐỀ NGHỊ XÉT CÔNG NHẬN XÃ {unit.upper()} ĐẠT CHUẨN NÔNG THÔN MỚI NĂM 2020", bold=True
    )
    sheet.put(20, 1, "Tháng 3 năm 2021")
    return sheet


def make_file(
    folder: Path, fname: str, kind: str, code: str, s: Style, rng: random.Random
) -> FileTruth:
    unit = UNITS[code]
    book = Book([])
    if s.cover:
        book.sheets.append(cover_sheet(unit))
    sheet, res = commune_sheet(s, unit, rng)
    book.sheets.append(sheet)
    hand = f"XÃ {HAND_SPELLINGS.get(unit, unit).upper()}"
    tones = unit in OTHER_TONES and any(
        isinstance(cell.value, str) and hand in cell.value for cell in sheet.cells.values()
    )
    tasks: list[TaskTruth] = []
    if s.roadmap:
        names = {r.criterion: r.criterion_name for r in catalogue(s.set_id)}
        tasks = write_roadmap(book, s, unit, rng, res.not_met_criteria, names)
    if s.legacy:
        legacy_book(book)
    path = folder / f"{fname}.{s.fmt}"
    write_book(book, path)
    _stamp(path)
    expected = list(res.expected) + (["unit-name-tones"] if tones else [])
    return FileTruth(
        path.name,
        kind,
        s.set_id,
        res.clean and not s.partial,
        [UnitTruth(code, unit, res.indicators, tasks)],
        expected,
    )


def make_cluster(
    folder: Path, fname: str, codes: list[str], s: Style, rng: random.Random, tab_only: bool
) -> FileTruth:
    """One workbook for several communes: a summary sheet first, then a sheet per commune."""
    book = Book([])
    summary = Sheet("Tổng hợp")
    summary.put(0, 0, "TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ CÁC XÃ TRONG CỤM", bold=True)
    summary.put(2, 0, "TT", bold=True)
    summary.put(2, 1, "Xã", bold=True)
    summary.put(2, 2, "Số tiêu chí đạt", bold=True)
    summary.put(2, 3, "Ghi chú", bold=True)
    book.sheets.append(summary)
    units = []
    for i, code in enumerate(codes):
        unit = UNITS[code]
        tab = rng.choice([unit, ascii_fold(unit), f"Xa {ascii_fold(unit)}"])
        st = replace(s, title="none" if (tab_only and i % 2 == 1) else s.title)
        sheet, res = commune_sheet(st, unit, rng, name=tab)
        book.sheets.append(sheet)
        summary.put(3 + i, 0, i + 1)
        summary.put(3 + i, 1, f"Xã {unit}")
        summary.put(3 + i, 2, f"{res.met_criteria}/{res.total_criteria}")
        units.append(UnitTruth(code, unit, res.indicators, []))
    path = folder / f"{fname}.{s.fmt}"
    write_book(book, path)
    _stamp(path)
    return FileTruth(path.name, "several communes", s.set_id, True, units, [])


def _stamp(path: Path) -> None:
    import os

    t = datetime(2021, 3, 12, 9, 0).timestamp()
    os.utime(path, (t, t))


# --------------------------------------------------------------------------- the set


def recipes() -> list[tuple[str, str, str, dict]]:
    """(file name, kind, unit code, style knobs) of every single-commune file."""
    w = MET_WORDS
    return [
        (
            "Bieu TDG xa Cam Thanh",
            "provincial template copy, extra columns",
            "18694",
            dict(
                name_col=True,
                threshold="region",
                header="two",
                extra_qd=True,
                note_heading="Ghi chú/ minh chứng",
                roadmap="Lộ trình",
                words=w[0],
            ),
        ),
        (
            "TDG_CamDuong_2020",
            "clerk in Sheet1, 1.1. numbering",
            "18682",
            dict(numbering="dotdot", words=w[1], pct="plain", typos=True, roadmap="Sheet2"),
        ),
        (
            "cam binh",
            "letters a) b), checkbox columns",
            "18685",
            dict(
                numbering="letter",
                assess="checkbox",
                header="two",
                crit_label="tcso",
                sheet="TC",
                pct="comma",
            ),
        ),
        (
            "xa cam vinh - tu danh gia",
            "merged TT over indicators, no codes",
            "18691",
            dict(
                merged_tt=True,
                name_col=True,
                numbering="none",
                words=w[6],
                sheet="Bieu 01",
                pct="text",
            ),
        ),
        (
            "Cam Quang TDG",
            "dash numbering, criterion text rows",
            "18697",
            dict(
                numbering="dash",
                crit_label="tcso",
                words=w[3],
                sheet="Biểu 1",
                pct="spaced",
                noisy=True,
            ),
        ),
        (
            "BIEU 01 - CAM THACH",
            "TCVN3 .VnTime legacy font",
            "18706",
            dict(
                legacy=True,
                fmt="xls",
                sheet="Bieu 01",
                words=w[0],
                header="two",
                threshold="region",
                pct="comma",
            ),
        ),
        (
            "Cam Nhuong",
            "cover sheet first, three-row header",
            "18709",
            dict(
                cover=True,
                header="three",
                sheet="TDG",
                numbering="dot",
                words=w[2],
                roadmap="Kế hoạch",
            ),
        ),
        (
            "Nam Phuc Thang bieu tu danh gia",
            "fractions with % format, ĐVT column",
            "18712",
            dict(pct="fraction", unit_col=True, words=w[5], group_rows=True),
        ),
        (
            "TDG Cam Due",
            "hidden older-year column",
            "18715",
            dict(hidden_year=True, pct="text", words=w[0], roadmap="Lộ trình", roadmap_owner="two"),
        ),
        (
            "Cam Linh 2020",
            "ODS from LibreOffice, group rows",
            "18721",
            dict(fmt="ods", group_rows=True, words=w[1], pct="plain", name_col=True),
        ),
        (
            "cam_quan",
            "xls via xlwt, code in content",
            "18724",
            dict(fmt="xls", numbering="incontent", words=w[4], sheet="Sheet1", pct="text"),
        ),
        (
            "Bieu tu danh gia Cam Ha",
            "WPS text cells, noisy values",
            "18727",
            dict(
                text_cells=True,
                pct="plain",
                noisy=True,
                words=w[7],
                value_heading="Hiện trạng",
                assess_heading="Đánh giá",
            ),
        ),
        (
            "CAM LOC",
            "threshold column after the result",
            "18730",
            dict(
                threshold_first=False,
                threshold_heading="Chỉ tiêu theo quy định",
                words=w[0],
                title="ascii",
            ),
        ),
        ("bieu cam hung 2020", "half-filled file", "18733", dict(partial=True, words=w[1])),
        (
            "Cam Thinh TDG",
            "criterion assessment on criterion rows",
            "18736",
            dict(
                crit_assess=True, name_col=True, words=w[0], num_row=True, roadmap="Lộ trình 2021"
            ),
        ),
        (
            "Cam My",
            "BCĐ title, comma codes",
            "18739",
            dict(title="bcd", numbering="comma", words=w[3], pct="comma"),
        ),
        (
            "Cam Trung - bieu TDG",
            "unit in the title sentence",
            "18742",
            dict(title="sentence", words=w[6], pct="spaced"),
        ),
        (
            "TDG_18745",
            "unit code cell only",
            "18745",
            dict(title="code", words=w[0], pct="text", sheet="BM01"),
        ),
        (
            "Bieu TDG",
            "unit only in title, huyện above",
            "18748",
            dict(title="huyen", name_col=True, words=w[2], extra_qd=True),
        ),
        (
            "Cam Minh",
            "ods, checkbox, noisy",
            "18751",
            dict(fmt="ods", assess="checkbox", header="two", noisy=True, pct="text"),
        ),
        (
            "Yen Hoa",
            "xls, region thresholds, merged names",
            "18679",
            dict(
                fmt="xls",
                threshold="region",
                header="two",
                name_col=True,
                words=w[5],
                roadmap="Lo trinh",
            ),
        ),
    ]


def second_round() -> list[tuple[str, str, str, dict]]:
    """More files for the same communes, another clerk's habits (a later batch)."""
    w = MET_WORDS
    return [
        (
            "TC_Cam Thanh_ban sua",
            "TC sheet, TC1 labels, plain numbers",
            "18694",
            dict(sheet="TC", crit_label="tc", pct="plain", words=w[3]),
        ),
        (
            "Cam Duong TDG.ods",
            "ods, three-row header",
            "18682",
            dict(fmt="ods", header="three", words=w[0], roadmap="Lộ trình"),
        ),
        (
            "xa cam binh 2020 (final)",
            "xls, dash numbering, cover",
            "18685",
            dict(fmt="xls", cover=True, numbering="dash", words=w[1], pct="spaced"),
        ),
        (
            "CAM VINH",
            "unit spelled Cẩm Vịnh, roadmap with two owners",
            "18691",
            dict(roadmap="Khung kế hoạch", roadmap_owner="two", words=w[0], title="ubnd"),
        ),
        ("cam quang", "TCVN3 xlsx", "18697", dict(legacy=True, words=w[2], name_col=True)),
        (
            "Cam Thach_TDG",
            "headings with line breaks",
            "18706",
            dict(
                value_heading="Kết quả\nthực hiện",
                assess_heading="Tự\nđánh giá",
                content_heading="Nội dung\ntiêu chí",
                words=w[7],
            ),
        ),
        (
            "Cam Nhuong (2)",
            "fraction + hidden year",
            "18709",
            dict(pct="fraction", hidden_year=True, words=w[0]),
        ),
        (
            "Bieu_NPT",
            "letters, merged TT",
            "18712",
            dict(numbering="letter", merged_tt=True, name_col=True, words=w[1], fmt="ods"),
        ),
        (
            "Cam Due TDG",
            "no threshold column, Thực trạng heading",
            "18715",
            dict(threshold="none", value_heading="Thực trạng", words=w[6], pct="comma"),
        ),
        (
            "cam linh",
            "noisy, checkbox, TCVN3 roadmap",
            "18721",
            dict(assess="checkbox", header="two", noisy=True, roadmap="Lộ trình"),
        ),
        (
            "Cam Quan 2020",
            "group rows, cover, 1.1.",
            "18724",
            dict(group_rows=True, cover=True, numbering="dotdot", words=w[2]),
        ),
        (
            "CAM HA",
            "xls fractions",
            "18727",
            dict(fmt="xls", pct="fraction", words=w[0], unit_col=True),
        ),
        (
            "Cam Loc - Bieu tong hop",
            "name column, assessment spelled Đạt chuẩn",
            "18730",
            dict(name_col=True, words=w[5], roadmap="Lộ trình", assess_heading="Mức độ đạt"),
        ),
        ("cam hung", "full, ascii title", "18733", dict(title="ascii", words=w[3], pct="plain")),
    ]


SET_2021 = [
    (
        "TDG 2022 Cam Thanh",
        "2021–2025 set",
        "18694",
        dict(set_id="xa_2021_2025", words=MET_WORDS[0]),
    ),
    (
        "TDG 2022 Cam Duong",
        "2021–2025 set, name column",
        "18682",
        dict(
            set_id="xa_2021_2025",
            name_col=True,
            words=MET_WORDS[1],
            header="two",
            threshold="region",
        ),
    ),
    (
        "TDG 2022 Cam Binh",
        "2021–2025 set, xls",
        "18685",
        dict(set_id="xa_2021_2025", fmt="xls", numbering="dotdot", words=MET_WORDS[6], pct="comma"),
    ),
    (
        "TDG 2022 Cam Lac",
        "2021–2025 set, ods, letters",
        "18748",
        dict(
            set_id="xa_2021_2025",
            fmt="ods",
            numbering="letter",
            words=MET_WORDS[3],
            roadmap="Lộ trình",
        ),
    ),
    (
        "TDG 2022 Cam Minh",
        "2021–2025 set, checkbox",
        "18751",
        dict(
            set_id="xa_2021_2025", assess="checkbox", header="two", words=MET_WORDS[0], cover=True
        ),
    ),
]


def write_wild(folder: Path, seed: int = 2021) -> list[FileTruth]:
    folder.mkdir(parents=True, exist_ok=True)
    truths: list[FileTruth] = []
    rng = random.Random(seed)
    for batch, items in (("a", recipes()), ("b", second_round()), ("c", SET_2021)):
        sub = folder / batch
        sub.mkdir(exist_ok=True)
        for fname, kind, code, knobs in items:
            fmt = knobs.pop("fmt", "xlsx") if "fmt" in knobs else "xlsx"
            name = fname.removesuffix(".ods")
            s = Style(fmt=fmt, **knobs)
            t = make_file(sub, name, kind, code, s, random.Random(rng.random()))
            t.file = f"{batch}/{t.file}"
            truths.append(t)
    sub = folder / "d"
    sub.mkdir(exist_ok=True)
    clusters = [
        ("Tong hop cum 3 xa", ["18679", "18694", "18742"], Style(words=MET_WORDS[0]), False),
        (
            "Cum Cam Son - Cam Ha.xls",
            ["18745", "18727"],
            Style(fmt="xls", words=MET_WORDS[1]),
            True,
        ),
        (
            "cum xa phia nam",
            ["18736", "18739", "18730"],
            Style(fmt="ods", name_col=True, words=MET_WORDS[2]),
            True,
        ),
    ]
    for fname, codes, s, tab_only in clusters:
        name = fname.removesuffix(".xls")
        t = make_cluster(sub, name, codes, s, random.Random(rng.random()), tab_only)
        t.file = f"d/{t.file}"
        truths.append(t)
    (folder / "truth.json").write_text(
        json.dumps([asdict(t) for t in truths], ensure_ascii=False, indent=1, default=str),
        encoding="utf-8",
    )
    return truths


# --------------------------------------------------------------------------- scoring


def norm(text: object) -> str:
    text = unicodedata.normalize("NFC", str(text)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def same_value(read: str, truth: list) -> bool:
    if truth == ["*"]:
        return True
    if not truth:
        return read.strip() == ""
    for t in truth:
        if isinstance(t, (int, float)):
            try:
                if math.isclose(float(read), float(t), abs_tol=0.051):
                    return True
            except ValueError:
                continue
        elif norm(read) == norm(t):
            return True
    return False


def names(cell: str) -> set[str]:
    return {norm(o) for o in cell.split(";") if o.strip()}


class Score:
    def __init__(self) -> None:
        self.right: Counter = Counter()
        self.total: Counter = Counter()
        self.misses: list[str] = []
        self.by_kind: dict[str, Counter] = defaultdict(Counter)

    def count(self, category: str, ok: bool, kind: str, miss: str) -> None:
        self.total[category] += 1
        self.right[category] += ok
        if not ok:
            self.by_kind[category][kind] += 1
            self.misses.append(f"[{category}] {miss}")


def score(truth: list[dict], results: dict) -> Score:
    sc = Score()
    for t in truth:
        batch, name = t["file"].split("/", 1)
        res = results[batch]
        kind = t["kind"]
        for u in t["units"]:
            code = u["code"]
            tag = f"{t['file']} ({u['name']})"
            unit_rows = [r for r in res["units"] if r["unit_code"] == code]
            from_file = [r for r in unit_rows if Path(r["source_file"] or "").name == name]
            sc.count("unit identified", bool(from_file), kind, f"{tag}: {unit_rows}")
            got = {r["indicator_code"]: r for r in res["indicators"] if r["unit_code"] == code}
            if not from_file:
                got = {}
            for ind in u["indicators"]:
                r = got.get(ind["code"], {})
                read_v, read_sa = r.get("value", ""), r.get("self_assessment", "")
                where = f"{tag} {ind['code']}"
                if ind["values"] or ind["assessment"]:
                    found = bool(read_v.strip() or read_sa not in ("", "unknown"))
                    sc.count("indicators found", found, kind, f"{where}: nothing read")
                if ind["values"] != ["*"]:
                    sc.count(
                        "values right", same_value(read_v, ind["values"]), kind,
                        f"{where}: read {read_v!r}, typed {ind['values']!r}",
                    )  # fmt: skip
                want_sa = ind["assessment"] or "unknown"
                sc.count(
                    "self-assessments right", (read_sa or "unknown") == want_sa, kind,
                    f"{where}: read {read_sa!r}, typed {want_sa}",
                )  # fmt: skip
                sc.count(
                    "statuses right", r.get("status", "") == ind["status"], kind,
                    f"{where}: status {r.get('status', '')!r}, truth {ind['status']}",
                )  # fmt: skip
            tasks = [r for r in res["tasks"] if r["source"] == "unit" and r["unit_code"] == code]
            for task in u["tasks"]:
                hit = next((r for r in tasks if norm(task["text"]) == norm(r["task"])), None)
                where = f"{tag} task {task['text']!r}"
                sc.count("tasks found", hit is not None, kind, f"{where}: not found")
                if hit is None:
                    continue
                tasks.remove(hit)
                sc.count(
                    "task due dates right", hit["due_date"] == task["due"], kind,
                    f"{where}: due {hit['due_date']!r}, truth {task['due']!r}",
                )  # fmt: skip
                people = (names(hit["owners"]), names(hit["directing"]))
                want = ({norm(o) for o in task["owners"]}, {norm(o) for o in task["directors"]})
                sc.count(
                    "task owners right", people == want, kind,
                    f"{where}: owners {hit['owners']!r} directing {hit['directing']!r}, "
                    f"truth {task['owners']!r} directing {task['directors']!r}",
                )  # fmt: skip
                sc.count(
                    "task done right", (hit["state"] == "done") == task["done"], kind,
                    f"{where}: state {hit['state']!r}, truth done={task['done']}",
                )  # fmt: skip
        if t["clean"]:
            bad = [
                r for r in res["issues"]
                if Path(r["file"] or "").name == name and r["severity"] in ("error", "warning")
                and r["code"] not in t["expected_codes"]
            ]  # fmt: skip
            sc.count(
                "clean files without false warnings", not bad, kind,
                f"{t['file']}: " + "; ".join(f"{r['code']} {r['cell']} {r['message']}"
                                              for r in bad),
            )  # fmt: skip
    return sc


def load_truth(folder: Path) -> list[dict]:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args(argv)
    truths = write_wild(args.out, args.seed)
    units = sum(len(t.units) for t in truths)
    print(f"Đã ghi {len(truths)} tệp ({units} biểu của xã) vào {args.out}")


if __name__ == "__main__":
    main()
