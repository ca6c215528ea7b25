"""Read one commune's workbook as it really arrives: a Submission and the issues found.

The path through a file:

1. the bytes are sniffed (`ntm_excel.read.sniff`): a renamed, password-protected, damaged or
   hostile file stops here with `file-unreadable`;
2. every sheet becomes a grid (`ntm_excel.read.sheets`); legacy TCVN3/VNI text is converted;
3. the self-assessment table is the sheet and row whose headings name the most known
   columns (TT, Tên tiêu chí, Nội dung, Chỉ tiêu, Kết quả thực hiện, Tự đánh giá, Ghi chú…,
   in any order, on one row or two, under a title block of any height);
4. the unit comes from a code cell, else the title block, else the file name;
5. each row below the headings is a group heading (skipped), a criterion row, an indicator
   row, the totals line or the signature block (which ends the table); see `_TableReader`;
6. the roadmap sheet, if any, gives the unit's tasks (`ntm_excel.read.roadmap`).

How a row's indicator code is found, first match wins:

- the TT cell: "1.1", "1.1.", "1,1" (an indicator); "1", "Tiêu chí số 1", "TC1", "TC 1",
  "Tiêu chí 1:" (a criterion); "I", "II", "A" (a group heading, skipped); "a)", "b)" (the
  a-th, b-th indicator of the current criterion); an exact catalogue code ("2.TT35.a");
- the start of the wording: "8.1. Có điểm phục vụ…", "a) Đường…", "Tiêu chí số 3: Thủy lợi",
  "II. HẠ TẦNG KINH TẾ - XÃ HỘI";
- a criterion named in full in the name column ("Giao thông");
- the catalogue wording itself (a row "Có 100% số xã …" is indicator "0");
- else the next indicator of the current criterion, in catalogue order: rows a), b) or rows
  without any code map to 1.1, 1.2 … as far as the catalogue has indicators, then to "1.3",
  "1.4" … which the validator reports as unknown.

A criterion row is also an indicator when the criterion is its own indicator ("5", "10";
"5.1" under "5" is read as "5"; a row without a value above a row "5." is only a heading),
or when it carries its first indicator's wording (criterion cells merged over the indicator
rows) and the next row is not coded as that indicator.

Hidden rows are read like the others: hiding a row in Excel does not withdraw its data, and
the consolidated report must show what the file holds. Merged value or assessment cells
apply to every row they cover (reported at their top-left cell). Thresholds written in the
workbook are not read: the catalogue's thresholds are the ones that count.

`read_submission` is a pure function of the file and its arguments; parsed cell texts,
headings and unit names are memoised for the life of the process (they repeat from file to
file), which changes speed, never results.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ntm_excel.config import vietnam_time
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import (
    COMMUNE,
    DISTRICT,
    PROVINCE,
    CriterionEntry,
    IndicatorEntry,
    Status,
    Submission,
)
from ntm_excel.read.legacy import detect_encoding, to_unicode
from ntm_excel.read.roadmap import read_roadmap, title_year
from ntm_excel.read.sheets import (
    MAX_COLS,
    Grid,
    Header,
    cell_text,
    folded,
    is_column_numbers,
    is_signature,
    load_grids,
    locate_header,
)
from ntm_excel.read.sniff import UnreadableFileError, sniff
from ntm_excel.reference.catalog import Indicator
from ntm_excel.reference.registry import NOWHERE, Clues, Place, Registry, UnitMatch, describe
from ntm_excel.text import cell_address, fold, memoised_text, nfc
from ntm_excel.values import parse_assessment, parse_number, parse_value

# Values repeat within and across files ("Đạt" fifty times a workbook): parsed once a process.
_parse_text = functools.lru_cache(maxsize=1 << 14)(parse_value)
_assess_text = functools.lru_cache(maxsize=1 << 12)(parse_assessment)


def _parse(cell: object, number_format: str = ""):
    return _parse_text(cell) if isinstance(cell, str) else parse_value(cell, number_format)


def _assess(cell: object) -> Status:
    return _assess_text(cell) if isinstance(cell, str) else parse_assessment(cell)


TITLE_ROWS = 15  # rows above the table searched for the unit's name or code
MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes on disk
_LETTERS = "abcdđeghiklmnopqrstuvxy"  # Vietnamese order of a), b), c), d), đ), e) …


def read_submission(
    path: str | Path, registry: Registry, indicators: Sequence[Indicator]
) -> tuple[Submission | None, list[Issue]]:
    """Read one workbook. Returns (None, [file-unreadable]) when it cannot be opened; a
    Submission without indicators when no self-assessment table was found."""
    path = Path(path)
    try:
        stat = path.stat()
        if stat.st_size > MAX_FILE_SIZE:
            size = f"{stat.st_size / 1024 / 1024:.0f} MB"
            reason = f"tệp quá lớn ({size}) so với một biểu tự đánh giá"
            return None, [make_issue("file-unreadable", file=path.name, reason=reason)]
        data = path.read_bytes()
    except OSError as exc:
        reason = f"không mở được tệp ({exc.strerror or type(exc).__name__})"
        return None, [make_issue("file-unreadable", file=path.name, reason=reason)]
    try:
        grids = load_grids(data, sniff(data))
    except UnreadableFileError as exc:
        return None, [make_issue("file-unreadable", file=path.name, reason=exc.reason)]
    issues: list[Issue] = []
    encoding = _convert_legacy(grids)
    catalogue = _Catalogue(indicators)
    header = locate_header(grids, _assessment_role, _is_assessment_table)
    unit_code, unit_text, unit_issues = identify_unit(
        grids, header, registry, path.name, folders=_folders(path)
    )
    located = {"unit_code": unit_code or "", "file": path.name}
    issues += unit_issues
    if encoding:
        issues.append(make_issue("encoding-converted", **located, encoding=encoding))
    for grid in grids:
        if grid.truncated:
            issues.append(_truncation_issue(grid, located))
    table = _TableReader(header, catalogue, located) if header else None
    if table:
        table.read()
        issues += table.issues
    else:
        issues.append(make_issue("table-not-found", **located))
    year = title_year(grids)
    signed = report_date(header.grid) if header else None
    tasks, roadmap_issues = read_roadmap(
        grids,
        catalogue.names,
        unit_code=unit_code or "",
        file_name=path.name,
        year=year,
        exclude=header.grid if header else None,
    )
    issues += roadmap_issues
    submission = Submission(
        path=str(path),
        file_name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        modified=vietnam_time(stat.st_mtime),
        unit_code=unit_code,
        unit_text=unit_text,
        indicators=tuple(table.indicators) if table else (),
        criteria=tuple(table.criteria) if table else (),
        tasks=tuple(tasks),
        reported_total=table.reported_total if table else None,
        total_cell=table.total_cell if table else "",
        sheet=header.grid.name if header else "",
        encoding=encoding,
        report_date=signed,
    )
    return submission, issues


_SIGNED = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")
_DIGIT = re.compile("[0-9]")


def report_date(grid: Grid) -> date | None:
    """The date a report is signed ("Cẩm Thành, ngày 10 tháng 3 năm 2021"), if written."""
    for row in grid.rows:
        for cell in row:
            # cheap tests first: a date needs "th" (tháng) and ASCII digits, which folding keeps
            if (
                isinstance(cell, str)
                and "th" in cell.lower()
                and _DIGIT.search(cell)
                and (m := _SIGNED.search(fold(cell)))
            ):
                try:
                    return date(int(m[3]), int(m[2]), int(m[1]))
                except ValueError:
                    return None
    return None


def _truncation_issue(grid: Grid, located: dict) -> Issue:
    """Cells beyond the caps were ignored."""
    return make_issue("sheet-truncated", **located, sheet=grid.name, detail=grid.truncated)


# --- Legacy encodings -------------------------------------------------------------------

# Windows-1252 characters that Unicode Vietnamese never uses: one of them in a text is a
# hint of TCVN3/VNI, and only then is the (slower) detection run.
_LEGACY_HINT = re.compile(
    "[\u0080-\u00bf\u00c4-\u00c7\u00cb\u00ce-\u00d1\u00d6-\u00d8"
    "\u00db\u00dc\u00de-\u00df\u00e4-\u00e7\u00eb\u00ee-\u00f1"
    "\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff]"
)
_UNICODE_ONLY = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]")  # Vietnamese beyond Windows-1252
_SAMPLE_TEXTS = 24


def _convert_legacy(grids: list[Grid]) -> str:
    """Detect TCVN3/VNI text in the workbook and convert every text cell to Unicode."""
    # ASCII texts can hold neither kind of letter the patterns below look for
    texts = [
        cell
        for grid in grids
        for row in grid.rows
        for cell in row
        if isinstance(cell, str) and not cell.isascii()
    ]
    if not _LEGACY_HINT.search("\n".join(texts)):
        return ""
    hinted = [text for text in texts if _LEGACY_HINT.search(text)][:_SAMPLE_TEXTS]
    unicode = [text for text in texts if _UNICODE_ONLY.search(text)][:_SAMPLE_TEXTS]
    encoding = detect_encoding(hinted + unicode)
    if not encoding:
        return ""
    for grid in grids:
        for r, row in enumerate(grid.rows):
            for c, cell in enumerate(row):
                if isinstance(cell, str) and not cell.isascii():
                    grid.set_value(r, c, to_unicode(cell, encoding))
    return encoding


# --- The catalogue as the reader needs it -----------------------------------------------


class _Catalogue:
    """Codes, criteria and wording of the set in use, keyed for tolerant lookup."""

    def __init__(self, indicators: Sequence[Indicator]) -> None:
        self.codes = {ind.code for ind in indicators}
        self.by_folded_code = {folded(ind.code): ind.code for ind in indicators}
        self.by_criterion: dict[int, list[str]] = {}
        for ind in indicators:
            self.by_criterion.setdefault(ind.criterion_no, []).append(ind.code)
        self.names = {ind.criterion_no: ind.criterion_name for ind in indicators}
        self.by_name = {folded(name): no for no, name in self.names.items()}
        self.by_text = {folded(ind.text): ind.code for ind in indicators if ind.text}

    def single(self, criterion: int) -> str | None:
        """The code of a criterion that is its own indicator ("5", "10")."""
        code = str(criterion)
        return code if code in self.codes else None

    def ordered(self, criterion: int) -> list[str]:
        """The criterion's indicator codes in order, without a criterion-level code when the
        criterion has sub-indicators too (district set: "2", "2.TT35.a", …)."""
        codes = self.by_criterion.get(criterion, [])
        subs = [code for code in codes if code != str(criterion)]
        return subs or codes

    def by_position(self, criterion: int, index: int) -> str:
        codes = self.ordered(criterion)
        return codes[index] if index < len(codes) else f"{criterion}.{index + 1}"

    def match_text(self, text: str) -> str | None:
        """The code whose catalogue wording this text is (allowing a cut-off or a tail)."""
        key = folded(text)
        if len(key) < 12:
            return None
        if key in self.by_text:
            return self.by_text[key]
        for wording, code in self.by_text.items():
            if len(key) >= 25 and (wording.startswith(key) or key.startswith(wording)):
                return code
        return None


# --- Headings of the self-assessment table ----------------------------------------------

_IGNORED = ("tham tra", "tham dinh", "huyen danh gia", "tinh danh gia", "ket qua cua huyen")
_NUMBER_HEADS = {"tt", "stt", "so tt", "so thu tu", "ma", "ma so", "ma chi tieu", "ma tieu chi"}
_VALUE_HEADS = (
    "ket qua",
    "hien trang",
    "thuc hien",
    "khoi luong",
    "ty le",
    "ti le",
    "so lieu",
    "gia tri",
    "thuc trang",
)
_NAME_HEADS = ("tieu chi", "cac tieu chi")
_ASSESSMENT_HEADS = ("dat chuan", "muc do dat", "muc dat", "xep loai")
_THRESHOLD_HEADS = (
    "chi tieu chung",
    "chi tieu theo",
    "chi tieu quy dinh",
    "chi tieu can dat",
    "chi tieu ",
    "quy dinh",
    "chuan",
    "muc chuan",
    "yeu cau",
    "muc quy dinh",
    "tieu chuan",
)


@functools.lru_cache(maxsize=4096)
def _assessment_role(label: str) -> str | None:
    """The role of a (folded) column heading in a self-assessment table."""
    if any(word in label for word in _IGNORED):
        return "ignore"
    if label.startswith("ghi chu"):
        return "note"
    if label in _NUMBER_HEADS:
        return "no"
    if "danh gia" in label:
        criterion_level = "tieu chi" in label and "chi tieu" not in label
        return "criterion_assessment" if criterion_level else "assessment"
    if label.startswith(_VALUE_HEADS):
        return "value"
    if label.startswith(_ASSESSMENT_HEADS) or label in ("dat", "dat khong dat", "dat chua dat"):
        return "assessment"
    if label == "chi tieu":
        return "text_or_threshold"
    if label.startswith(_THRESHOLD_HEADS):
        return "threshold"
    if label.startswith(("ten tieu chi", "ten cac tieu chi")) or label in _NAME_HEADS:
        return "name"
    if label.startswith(("noi dung", "ten chi tieu", "chi tieu chi tiet", "dien giai")):
        return "text"
    return None


def _is_assessment_table(roles: dict[str, tuple[int, ...]]) -> bool:
    found = set(roles) - {"ignore"}
    has_result = bool(found & {"value", "assessment"})
    has_label = bool(found & {"no", "name", "text", "text_or_threshold"})
    return has_result and has_label and len(found) >= 3


# --- Codes as written -------------------------------------------------------------------

_INDICATOR_CODE = re.compile(r"^(\d{1,2})\s*[.,]\s*(\d{1,2})\s*[.):]?$")
_CRITERION_CODE = re.compile(r"^0?(\d{1,2})\s*[.):]?$")
_CRITERION_WORDS = re.compile(r"^(?:tieu chi(?: so)?|tc) ?0?(\d{1,2})(?: |$)")
_ROMAN = re.compile(r"^[ivx]+$")
_LETTER = re.compile(r"^([a-zđ])\s*[).]?$")
_TEXT_INDICATOR = re.compile(r"^(\d{1,2})\s*[.,]\s*(\d{1,2})\s*[.):]?(?:\s+|$)(?!\d)")
_TEXT_LETTER = re.compile(r"^([a-zđ])\s*\)\s*")
_TEXT_GROUP = re.compile(r"^(?:[IVX]+|[A-D])(?:\s*[.)\-–:]\s*|\s+)(?=[A-ZĐÀ-Ỹ]{2})")
_BULLETS = {"-", "+", "*", "•", "–", "—"}


@dataclass(frozen=True)
class _Code:
    kind: str  # "indicator", "criterion", "letter", "group" or "exact"
    criterion: int = 0
    sub: int = 0
    exact: str = ""


def _code_cell(text: str, catalogue: _Catalogue) -> _Code | None:
    """What a TT cell says: "1.1", "1.1.", "1,1", "1", "Tiêu chí số 1", "TC1", "II", "a)",
    or an exact catalogue code ("2.TT35.a")."""
    text = text.strip()
    if not text or text in _BULLETS:
        return None
    code = _written_code(text)
    if code is None and (key := folded(text)) in catalogue.by_folded_code:
        return _Code("exact", exact=catalogue.by_folded_code[key])
    return code


@memoised_text
def _written_code(text: str) -> _Code | None:
    """A (stripped, non-blank) TT cell's code as far as it can be read without the catalogue."""
    if match := _INDICATOR_CODE.match(text):
        return _Code("indicator", int(match[1]), int(match[2]))
    if match := _CRITERION_CODE.match(text):
        return _Code("criterion", int(match[1]))
    key = folded(text)
    if match := _CRITERION_WORDS.match(key):
        return _Code("criterion", int(match[1]))
    if _ROMAN.match(key) or (len(text.rstrip(".)")) == 1 and text[0] in "ABCD"):
        return _Code("group")
    if match := _LETTER.match(text.lower()):
        return _Code("letter", sub=_LETTERS.index(match[1]) if match[1] in _LETTERS else 0)
    return None


@memoised_text
def _code_in_text(text: str) -> _Code | None:
    """A code at the start of a text: "8.1. Có điểm phục vụ…", "a) Đường…", "Tiêu chí số 1:",
    or a group heading "I. HẠ TẦNG KINH TẾ - XÃ HỘI"."""
    if match := _TEXT_INDICATOR.match(text):
        return _Code("indicator", int(match[1]), int(match[2]))
    if match := _TEXT_LETTER.match(text.lower()):
        letter = match[1]
        return _Code("letter", sub=_LETTERS.index(letter) if letter in _LETTERS else 0)
    if match := _CRITERION_WORDS.match(folded(text)):
        return _Code("criterion", int(match[1]))
    if _TEXT_GROUP.match(text):
        return _Code("group")
    return None


# --- Rows that are not data -------------------------------------------------------------

_TOTALS = ("tong so tieu chi", "so tieu chi dat", "tong cong", "tong so", "tieu chi dat chuan")
_FRACTION = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})(?!\d)")
_REMARKS = ("ghi chu", "luu y", "chu thich", "chu y")


# --- The table --------------------------------------------------------------------------


@dataclass
class _Columns:
    no: int | None
    name: int | None
    text: int | None
    values: list[int]  # in order of preference (a "Tỷ lệ" column before "Khối lượng")
    assessment: int | None
    criterion_assessment: int | None
    note_not_met: bool  # «Đạt chuẩn, nếu chưa đạt ghi % đạt so với chuẩn»


@dataclass
class _TableReader:
    """Turns the rows under a heading into indicator and criterion entries."""

    header: Header
    catalogue: _Catalogue
    located: dict
    indicators: list[IndicatorEntry] = field(default_factory=list)
    criteria: list[CriterionEntry] = field(default_factory=list)
    reported_total: tuple[int, int] | None = None
    total_cell: str = ""
    issues: list[Issue] = field(default_factory=list)
    _first_cell: dict[str, str] = field(default_factory=dict)
    _criteria_seen: set[int] = field(default_factory=set)
    _reported_formulas: set[tuple[int, int]] = field(default_factory=set)

    def read(self) -> None:
        grid = self.header.grid
        self.columns = columns = self._columns()
        self.width = width = min(MAX_COLS, max((len(line) for line in grid.rows), default=0))
        criterion: int | None = None
        position = 0  # index, within the criterion, of the next row that has no code
        for row in range(self.header.bottom + 1, len(grid.rows)):
            texts = grid.texts(row)[:width]
            if not any(texts) and not any((row, c) in grid.formulas for c in range(width)):
                continue
            name = self._text(row, columns.name)
            body = self._text(row, columns.text) if columns.text is not None else name
            code = self._row_code(row, criterion)
            if code is None:
                if is_signature(texts):
                    break
                if self._totals(row, texts):
                    continue
                if is_column_numbers(grid, row, width) or self._is_heading_again(texts):
                    continue
            if code is not None and code.kind == "group":
                continue
            if code is not None and code.kind == "criterion":
                criterion, position = code.criterion, 0
                first = self._also_first_indicator(row, criterion, body, name)
                self._criterion_row(row, criterion, own_row=not first)
                if first:
                    single = self.catalogue.single(criterion)
                    self._indicator(row, single or self.catalogue.by_position(criterion, 0), body)
                    position = 0 if single else 1
                continue
            if code is not None and code.kind == "indicator":
                if code.criterion != criterion:
                    self._criterion_row(row, code.criterion, own_row=False)
                criterion = code.criterion
                indicator = self._indicator_code(code)
                ordered = self.catalogue.ordered(criterion)
                position = ordered.index(indicator) + 1 if indicator in ordered else position + 1
                self._indicator(row, indicator, body)
                continue
            if code is not None and code.kind == "exact":
                criterion = _criterion_of(code.exact) or criterion
                self._indicator(row, code.exact, body)
                continue
            if not body or folded(body).startswith(_REMARKS):
                continue
            if by_text := self.catalogue.match_text(body):
                criterion = _criterion_of(by_text) or criterion
                self._indicator(row, by_text, body)
                continue
            if criterion is None:
                continue
            if code is not None and code.kind == "letter":
                position = code.sub
            self._indicator(row, self.catalogue.by_position(criterion, position), body)
            position += 1

    def _row_code(self, row: int, criterion: int | None) -> _Code | None:
        """The row's code: from the TT cell, from the start of the wording ("8.1. Có…"),
        or a criterion named in full ("Giao thông") where a new criterion begins."""
        columns = self.columns
        no_text = self._text(row, columns.no)
        name = self._text(row, columns.name)
        body = self._text(row, columns.text)
        code = _code_cell(no_text, self.catalogue) if no_text else None
        if code is None or code.kind == "criterion":
            for text in (body, name):
                found = _code_in_text(text) if text else None
                if found is None:
                    continue
                if code is None:
                    return found
                if found.kind == "indicator" and found.criterion == code.criterion:
                    self._criterion_row(row, code.criterion, own_row=False)
                    return found  # "1" merged over its rows, "1.1. Có quy hoạch…" beside it
                break
        if code is None:
            for text in (name, body):
                named = self.catalogue.by_name.get(folded(text)) if text else None
                if named is not None and named != criterion:
                    return _Code("criterion", named)
        return code

    def _indicator_code(self, code: _Code) -> str:
        """Catalogue form of "c.s"; "5.1" is "5" when criterion 5 is its own indicator."""
        written = f"{code.criterion}.{code.sub}"
        if written not in self.catalogue.codes and code.sub == 1:
            return self.catalogue.single(code.criterion) or written
        return written

    # -- columns

    def _columns(self) -> _Columns:
        roles, labels = self.header.roles, self.header.labels
        text_col = _first(roles.get("text"))
        ambiguous = _first(roles.get("text_or_threshold"))
        if text_col is None and ambiguous is not None and self._looks_like_text(ambiguous):
            text_col = ambiguous
        values = list(roles.get("value", ()))
        values.sort(key=lambda c: 0 if re.search(r"\b(ty le|ti le)\b", labels[c]) else 1)
        assessment = _first(roles.get("assessment"))
        return _Columns(
            no=_first(roles.get("no")),
            name=_first(roles.get("name")),
            text=text_col,
            values=values,
            assessment=assessment,
            criterion_assessment=_first(roles.get("criterion_assessment")),
            note_not_met=assessment is not None and "neu chua dat" in labels[assessment],
        )

    def _looks_like_text(self, col: int) -> bool:
        """Whether a «Chỉ tiêu» column holds the indicators' wording (long texts) rather than
        the thresholds ("≥80%", "Đạt")."""
        grid = self.header.grid
        texts = [grid.text(r, col) for r in range(self.header.bottom + 1, len(grid.rows))[:60]]
        texts = [t for t in texts if t]
        return bool(texts) and sum(len(t) for t in texts) / len(texts) > 20

    # -- cells

    def _text(self, row: int, col: int | None) -> str:
        return self.header.grid.text(row, col) if col is not None else ""

    def _cell(self, row: int, col: int) -> tuple[object, int]:
        """A value cell, merged cells counting for every row they cover: (value, its row)."""
        grid = self.header.grid
        value = grid.value(row, col)
        if value is None:
            merge = grid.merge_at(row, col)
            if merge and merge[0] > self.header.bottom and (merge[0], merge[1]) != (row, col):
                return grid.value(merge[0], merge[1]), merge[0]
        return value, row

    def _formula(self, row: int, col: int) -> bool:
        """Report a formula saved without its result (once per cell)."""
        grid = self.header.grid
        formula = grid.formulas.get((row, col))
        if formula is None:
            return False
        if (row, col) not in self._reported_formulas:
            self._reported_formulas.add((row, col))
            self.issues.append(
                make_issue(
                    "formula-without-value",
                    **self.located,
                    sheet=grid.name,
                    cell=cell_address(row, col),
                    formula=formula,
                )
            )
        return True

    # -- rows

    def _is_heading_again(self, texts: list[str]) -> bool:
        roles = {_assessment_role(folded(t)) for t in texts if t}
        return len(roles - {None, "ignore"}) >= 3

    def _totals(self, row: int, texts: list[str]) -> bool:
        joined = " ".join(t for t in texts if t)
        key = folded(joined)
        if "tieu chi" not in key or not (key.startswith(_TOTALS) or "tieu chi dat" in key):
            return False
        for col in range(len(texts)):
            self._formula(row, col)
        if match := _FRACTION.search(joined):
            self.reported_total = (int(match[1]), int(match[2]))
        elif (number := parse_number(joined)) is not None and number == int(number):
            self.reported_total = (int(number), len(self.catalogue.names))
        figure = next((c for c, t in enumerate(texts) if any(ch.isdigit() for ch in t)), 0)
        self.total_cell = cell_address(row, figure)
        return True

    def _also_first_indicator(self, row: int, criterion: int, body: str, name: str) -> bool:
        """Whether a criterion row is also an indicator: the criterion is its own indicator
        ("5", or the district's "2" above its sub-conditions) unless the next row is that
        indicator written "5.1"; or the row holds its first indicator's wording (criterion
        cells merged over the indicator rows) and the next row is not coded as one.

        A criterion row without a value above a row coded as its own indicator ("Tiêu chí
        số 5 | Trường học" over "5. | Tỷ lệ trường…") is only a heading, unless it holds an
        assessment and the next row no value: a value is never set aside."""
        below, following = self._next_code(row)
        single = self.catalogue.single(criterion)
        if single:
            if following is None or following.criterion != criterion:
                return True
            if following.kind == "indicator":
                return self._indicator_code(following) != single
            if following.kind != "criterion" or self._filled(row, self.columns.values):
                return True
            return self._filled(row, [self.columns.assessment]) and not self._filled(
                below, self.columns.values
            )
        if not body or body == name or _CRITERION_WORDS.match(folded(body)):
            return False
        if folded(body) in self.catalogue.by_name:
            return False
        if following is None:
            return True
        if following.kind == "exact":
            return _criterion_of(following.exact) != criterion
        if following.kind == "letter":
            return False
        return not (following.kind == "indicator" and following.criterion == criterion)

    def _next_code(self, row: int) -> tuple[int, _Code | None]:
        """The next non-blank row (within three rows) and its code; (-1, None) if none."""
        grid = self.header.grid
        for below in range(row + 1, min(row + 4, len(grid.rows))):
            if not any(grid.texts(below)[: self.width]):
                continue
            code = _code_cell(self._text(below, self.columns.no), self.catalogue)
            if code is None:
                code = _code_in_text(self._text(below, self.columns.text)) or _code_in_text(
                    self._text(below, self.columns.name)
                )
            return below, code
        return -1, None

    def _filled(self, row: int, columns: Sequence[int | None]) -> bool:
        """Whether any of these cells of the row holds a value or a formula (merges apply)."""
        for col in columns:
            if col is None:
                continue
            value, at = self._cell(row, col)
            if value is not None or (at, col) in self.header.grid.formulas:
                return True
        return False

    def _criterion_row(self, row: int, criterion: int, *, own_row: bool) -> None:
        """A criterion's own Đạt / Chưa đạt: its criterion-level column, or, on a row that
        is the criterion alone, the assessment (or the value) cell."""
        if criterion in self._criteria_seen or criterion not in self.catalogue.names:
            return
        columns = self.columns
        grid = self.header.grid
        candidates = (
            [columns.criterion_assessment] if columns.criterion_assessment is not None else []
        )
        if own_row and not candidates:
            candidates = [c for c in [columns.assessment, *columns.values] if c is not None]
        for col in candidates:
            value, at = self._cell(row, col)
            status = _assess(value)
            if status is not Status.UNKNOWN:
                self._criteria_seen.add(criterion)
                self.criteria.append(
                    CriterionEntry(criterion, status, grid.name, cell_address(at, col))
                )
                return

    def _indicator(self, row: int, code: str, body: str) -> None:
        grid = self.header.grid
        columns = self.columns
        value_col = columns.values[0] if columns.values else None
        cell: object = None
        value_row = row
        for col in columns.values:
            candidate, at = self._cell(row, col)
            if candidate is not None or (at, col) in grid.formulas:
                value_col, cell, value_row = col, candidate, at
                break
        if value_col is not None and self._formula(value_row, value_col):
            parsed_value, raw = None, grid.formulas[(value_row, value_col)]
        elif value_col is not None:
            number_format = ""
            if isinstance(cell, (int, float)) and not isinstance(cell, bool):
                number_format = grid.number_format(value_row, value_col)
            parsed = _parse(cell, number_format)
            parsed_value, raw = parsed.value, parsed.raw
        else:
            parsed_value, raw = None, ""
        status, assessment_raw, assessment_cell = Status.UNKNOWN, "", ""
        if columns.assessment is not None:
            value, at = self._cell(row, columns.assessment)
            assessment_cell = cell_address(at, columns.assessment)
            if not self._formula(at, columns.assessment):
                assessment_raw = cell_text(value)
                status = _assess(value)
                if status is Status.UNKNOWN and columns.note_not_met:
                    number = _parse(value).value
                    if isinstance(number, float):
                        status = Status.MET if number >= 100 else Status.NOT_MET
        value_cell = cell_address(value_row, value_col) if value_col is not None else ""
        if code in self._first_cell:
            self.issues.append(
                make_issue(
                    "indicator-duplicate",
                    **self.located,
                    sheet=grid.name,
                    cell=value_cell or assessment_cell,
                    code=code,
                    first=self._first_cell[code],
                )
            )
            return
        self._first_cell[code] = value_cell or assessment_cell or cell_address(row, 0)
        self.indicators.append(
            IndicatorEntry(
                code=code,
                criterion_no=_criterion_of(code) or 0,
                text=body,
                raw=raw,
                value=parsed_value,
                self_assessment=status,
                assessment_raw=assessment_raw,
                sheet=grid.name,
                value_cell=value_cell,
                assessment_cell=assessment_cell,
            )
        )


def _first(columns: tuple[int, ...] | None) -> int | None:
    return columns[0] if columns else None


@functools.lru_cache(maxsize=1024)
def _criterion_of(code: str) -> int | None:
    head = code.split(".")[0]
    return int(head) if head.isdigit() else None


# --- The unit ---------------------------------------------------------------------------

_CODE_LABEL = re.compile(r"\bma (?:so )?(?:don vi|dvhc|xa|hanh chinh|dv)\b\D{0,12}(\d{3,6})\b")
_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc")
FOLDER_LEVELS = 3  # folders above a file that may name its district or province


def _folders(path: Path) -> tuple[str, ...]:
    """Names of the folders holding a file, innermost first ("Cam Xuyen", "Ha Tinh", …)."""
    return tuple(parent.name for parent in list(path.parents)[:FOLDER_LEVELS] if parent.name)


def identify_unit(
    grids: list[Grid],
    header: Header | None,
    registry: Registry,
    file_name: str,
    folders: tuple[str, ...] = (),
) -> tuple[str | None, str, list[Issue]]:
    """(unit code or None, the text it was read from, issues) — never a guess.

    In order: a code cell ("Mã đơn vị: 18694", or a cell holding exactly a registry code);
    a commune named in the title block; a commune named by the file name; the district
    itself (a commune's title block often starts with "UBND HUYỆN …", so the district only
    counts when no commune is named anywhere). A name several units bear ("Xã Tân Lập") is
    told apart by the districts and provinces the title block and the `folders` name. A code
    that contradicts the title's commune, or a name that still fits several units, gives
    `unit-ambiguous`; nothing at all `unit-unknown`.
    """
    located = {"file": file_name}
    title = _title_lines(grids, header)
    coded = _unit_from_code(title, registry)
    place = registry.locate(Clues(lines=tuple(text for text, _ in title), folders=folders))
    communes, districts, ambiguous = _units_named(title, registry, place)
    if coded:
        unit, text = coded
        other = next((v for code, v in communes.items() if code != unit.code), None)
        if other is None:
            return unit.code, text, []
        candidates = f"{unit.name} (mã {unit.code}), {other[0].name} (theo tên)"
        issue = make_issue(
            "unit-ambiguous", **located, text=f"{text} / {other[1]}", candidates=candidates
        )
        return None, text, [issue]
    if len(communes) == 1:
        unit, text = next(iter(communes.values()))
        return unit.code, text, []
    if len(communes) > 1:
        units = tuple(unit for unit, _ in communes.values())
        text = " / ".join(text for _, text in communes.values())
        return None, text, [_ambiguous_issue(text, UnitMatch(None, units), located)]
    by_file = _match(registry, re.sub(r"[_\-.]+", " ", Path(file_name).stem), place)
    if by_file.unit and by_file.unit.tier == COMMUNE:
        return by_file.unit.code, file_name, []
    if ambiguous:
        return None, ambiguous[0], [_ambiguous_issue(*ambiguous, located)]
    if len(districts) == 1:
        unit, text = next(iter(districts.values()))
        return unit.code, text, []
    if by_file.unit and by_file.unit.tier == DISTRICT:
        return by_file.unit.code, file_name, []
    if by_file.ambiguous:
        return None, file_name, [_ambiguous_issue(file_name, by_file, located)]
    detail = f" (đã xem đầu biểu và tên tệp «{file_name}»)"
    return None, "", [make_issue("unit-unknown", **located, detail=detail)]


_MATCHES: dict[tuple[int, str, Place], tuple[Registry, UnitMatch]] = {}


def _match(registry: Registry, text: str, place: Place = NOWHERE) -> UnitMatch:
    """`registry.match`, remembered for the process (title lines repeat from file to file)."""
    key = (id(registry), text, place)
    hit = _MATCHES.get(key)
    if hit is not None and hit[0] is registry:
        return hit[1]
    if len(_MATCHES) > 4096:
        _MATCHES.clear()
    found = registry.match(text, place)
    _MATCHES[key] = (registry, found)
    return found


def _ambiguous_issue(text: str, match: UnitMatch, located: dict) -> Issue:
    names = ", ".join(map(describe, match.candidates))
    return make_issue("unit-ambiguous", **located, text=text, candidates=names)


def _title_lines(grids: list[Grid], header: Header | None) -> list[tuple[str, list[object]]]:
    """Text lines of the title block: above the table's heading, else the first rows of
    each sheet. Each line is (joined text, its cell values)."""
    if header is not None:
        blocks = [(header.grid, range(min(header.top, TITLE_ROWS)))]
    else:
        blocks = [(grid, range(min(len(grid.rows), TITLE_ROWS))) for grid in grids]
    lines = []
    for grid, rows in blocks:
        for row in rows:
            cells = [cell for cell in grid.rows[row][:MAX_COLS] if cell not in ("", None)]
            if cells:
                lines.append((nfc(" ".join(cell_text(cell) for cell in cells)), cells))
    return lines


def _unit_from_code(lines: list[tuple[str, list[object]]], registry: Registry):
    for text, cells in lines:
        if match := _CODE_LABEL.search(folded(text)):
            unit = registry.get(match[1])
            if unit:
                return unit, text
        for cell in cells:
            candidate = cell_text(cell)
            if candidate.isdigit() and len(candidate) >= 3 and (unit := registry.get(candidate)):
                return unit, candidate
    return None


def _units_named(lines: list[tuple[str, list[object]]], registry: Registry, place: Place):
    """Units named by the title lines: (communes, districts, first ambiguous (text, match)),
    the first two mapping a code to (unit, the line naming it)."""
    communes: dict[str, tuple] = {}
    districts: dict[str, tuple] = {}
    ambiguous = None
    for text, _ in lines:
        key = folded(text)
        if any(key.startswith(motto) for motto in _MOTTO):
            continue
        match = _match(registry, text, place)
        if match.unit and match.unit.tier != PROVINCE:  # a province only tells where
            found = districts if match.unit.tier == DISTRICT else communes
            found.setdefault(match.unit.code, (match.unit, text))
        elif match.ambiguous and ambiguous is None:
            ambiguous = (text, match)
    return communes, districts, ambiguous
