"""The rows of a self-assessment table turned into indicator and criterion entries.

Each row under the heading is first classified (`TableReader.classify`) into one kind, then
handled by that kind's handler; a new layout is a new kind or a new rule of the classifier,
not a longer chain of cases:

- "blank", "skip" (a column-number row «(1) (2) …», the heading repeated, a remark «Ghi
  chú: …», a detail under an indicator «+ Tổng chiều dài …», «Trong đó: …», an old row kept
  hidden above its corrected copy), "group" (a group heading «I. QUY HOẠCH»; a Roman number
  followed by its own criterion's codes, «V» before «5.1», is a criterion), "totals"
  («Tổng số tiêu chí đạt: 17/20», checked later), "end" (the signature block, or a
  roadmap's heading «Nội dung công việc | Thời gian hoàn thành» below, closes the table);
- "criterion" (a criterion's own row: «2», «Tiêu chí số 2», «Giao thông»; also its first or
  only indicator when it carries one, see `_also_first_indicator`);
- "indicator" (a coded row: «1.1», «I.1», «a)», «17h», «Tiêu chí 17 - chỉ tiêu 17.1», an
  exact catalogue code; «1», «2» numbered again under each band row «Tiêu chí số 2: Giao
  thông» or Roman criterion; or an uncoded row with something to read, never by its place
  when hidden);
- "note" (no code, no requirement, no value, no assessment: a note, often hidden) and
  "continuation" (the lower rows of a merged value cell already read) are not indicators.

An indicator's code comes from its written code, checked against its wording (a code that
contradicts the wording is `indicator-code-mismatch` and the wording wins); an uncoded row is
matched by its wording within its criterion (never guessing between close candidates:
`indicator-ambiguous`), and only then by its place in the criterion. When the TT column only
numbers the rows (1, 2, 3 … beyond the criteria), its numbers are not codes.

Under a criterion the catalogue does not itemise (its only indicator is «17.x»), each row is
a part of «17.x» kept under its own code: as written («17.3», «Tiêu chí 17 - chỉ tiêu 17.3»),
else by its place («c)», or the third uncoded row: 17.3). A criterion written as a single row
is «17.x» itself.

Values are read per cell (`ntm_excel.values`), then per column: fractions such as 0.855 on
rows whose unit is "%" (the unit column, the requirement column, the heading or the
catalogue) are percentages when the whole column is written that way (`value-fraction`);
a column that mixes both is said to be ambiguous (`value-scale-ambiguous`) and left as is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from ntm_excel.codes import BULLETS, Code, code_in_text, strip_code, written_code
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import CriterionEntry, IndicatorEntry, RowReading, Status
from ntm_excel.read.columns import Columns, decide_columns, heading_role
from ntm_excel.read.matching import CONFIDENT, CatalogueIndex
from ntm_excel.read.roadmap import is_roadmap_heading
from ntm_excel.read.sheets import (
    MAX_COLS,
    Header,
    cell_text,
    folded,
    is_column_numbers,
    is_signature,
)
from ntm_excel.text import cell_address, column_letter, fold
from ntm_excel.values import YES_TEXT, ParsedValue, parse_assessment, parse_number, parse_value
from ntm_excel.vocabulary import Vocabulary

_TOTALS = ("tong so tieu chi", "so tieu chi dat", "tong cong", "tong so", "tieu chi dat chuan")
_FRACTION = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})(?!\d)")
_HEADING_LENGTH = 30  # characters of an abbreviated criterion name («CSVC văn hoá», «GT»)
_ROMAN_DOTTED = re.compile(r"^[IVXL]+\s*[.,]\s*\d")
_PLAIN_NUMBER = re.compile(r"^\d{1,2}\.?$")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?\.?$")  # «1», «(1)»: a TT cell numbering columns
_SHOWN = 60  # characters of a row's wording in the reading report
_DETAIL = "dòng chi tiết của chỉ tiêu bên trên"
_COLUMN_NUMBERS = ("skip", "dòng đánh số cột")
_MARK_VERDICTS = dict.fromkeys("✓✔☑√", Status.MET) | dict.fromkeys("✗✘☒", Status.NOT_MET)


@functools.lru_cache(maxsize=1 << 14)
def _parse_text(text: str, vocabulary: Vocabulary) -> ParsedValue:
    return parse_value(text, "", vocabulary)


@functools.lru_cache(maxsize=1 << 12)
def _assess_text(text: str, vocabulary: Vocabulary) -> Status:
    return parse_assessment(text, vocabulary)


@functools.lru_cache(maxsize=1024)
def criterion_of(code: str) -> int | None:
    head = code.split(".")[0]
    return int(head) if head.isdigit() else None


# A criterion's number written before its name in the wording cell («1. Quy hoạch»)
_LEADING_NUMBER = re.compile(r"^\s*\d{1,2}\s*[.):\-–]?\s*")


@dataclass
class _Line:
    """One row as the classifier saw it."""

    row: int
    kind: str
    code: Code | None = None
    name: str = ""
    body: str = ""
    reason: str = ""  # why a row is skipped (in the reading report)
    criterion_too: int | None = None  # a criterion cell beside an indicator code


# Comparisons of an indicator whose requirement is a floor (≥90, =100): a figure below 1% is
# far from it, a fraction of 1 is more likely
_FLOORS = frozenset({">=", ">", "="})
_DONG_FLOOR = 100_000  # an income or sum of 100,000 million đồng is written in đồng


@dataclass
class _Plain:
    """A plain number in a value cell (not formatted or written as a percentage)."""

    entry: int  # index in the reader's indicators
    number: float
    row: int  # the row and code whose unit tells whether it is a percentage
    code: str


def _step(method):
    """A step of reading a table that writes what was read (an entry, a row's reading, an
    issue): recorded while the rows are classified, so that a table of the same layout
    replays the steps without classifying its rows again (see `_Plan`). A step's own steps
    are part of it, not recorded."""

    @functools.wraps(method)
    def step(self, *args):
        if self._trace is None or self._inside:
            return method(self, *args)
        self._trace.append((method, args))
        self._inside = True
        try:
            return method(self, *args)
        finally:
            self._inside = False

    return step


@dataclass
class TableReader:
    """Turns the rows under a heading into indicator and criterion entries."""

    header: Header
    catalogue: CatalogueIndex
    vocabulary: Vocabulary
    located: dict
    year: int | None = None
    indicators: list[IndicatorEntry] = field(default_factory=list)
    criteria: list[CriterionEntry] = field(default_factory=list)
    reported_total: tuple[int, int] | None = None
    total_cell: str = ""
    issues: list[Issue] = field(default_factory=list)
    rows: list[RowReading] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: Columns = field(default_factory=Columns)
    _first_cell: dict[str, str] = field(default_factory=dict)
    _criteria_seen: set[int] = field(default_factory=set)
    _reported_formulas: set[tuple[int, int]] = field(default_factory=set)
    _plain: dict[int, list[_Plain]] = field(default_factory=dict)
    _written_percent: dict[int, int] = field(default_factory=dict)  # column → «%» figures > 1
    _used_cells: set[tuple[int, int]] = field(default_factory=set)
    # criterion not itemised → its parts read: (entry index, row reading index, how)
    _parts: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    _estimated: dict[int, int] = field(default_factory=dict)  # entry index → its issue's
    # entries whose blank self-assessment was read from «Đạt»/«Chưa đạt» in their value cell
    _verdicts_in_values: list[int] = field(default_factory=list)
    # numbers in the self-assessment column: (entry index, number); 1/0 of checkboxes?
    _boxed: list[tuple[int, float]] = field(default_factory=list)
    # the steps taken while the rows are classified (see `_Plan`), None when not recorded
    _trace: list | None = None
    _inside: bool = False  # within a step (a step's own steps are not recorded)
    # rows without a code: what their cells said of the table's layout (`_layout_row`)
    _layout_rows: dict[int, tuple[str, str] | None] = field(default_factory=dict)
    _notes_before: int = 0
    _end: int | None = None  # the row that ended the table (a signature), if one
    _seen: tuple | None = None  # the rows under the heading as plans see them (`_seen`)
    _consulted: dict[tuple[int, int], bool] = field(default_factory=dict)  # cell → blank
    _below: dict[int, tuple] = field(default_factory=dict)  # rows as `_numbered_as`
    _indicator_rows: set[int] = field(default_factory=set)  # rows read as an indicator
    _heading_only: bool = False  # the last criterion row was only its heading

    @property
    def end(self) -> int | None:
        """The row that ended the table (a signature, a roadmap's heading), if one."""
        return self._end

    def read(self) -> None:
        grid = self.header.grid
        self.columns, issues = decide_columns(self.header, self.vocabulary, self.year, self.located)
        self.issues += issues
        self.width = min(MAX_COLS, max((len(line) for line in grid.rows), default=0))
        key = self._layout_key()
        plan = next((plan for plan in _PLANS.get(key, ()) if plan.fits(self)), None)
        if plan is not None:
            self.notes += plan.notes
            self._end = plan.end if plan.end < len(grid.rows) else None
            for step, args in plan.steps:
                step(self, *args)
        else:
            self._trace = []
            self._classify_rows()
            _remember(key, _Plan.of(self))
        self._single_rows()
        self._fractions()
        self._money_in_dong()
        self._verdicts_said_in_values()
        self._checkbox_numbers()

    def _classify_rows(self) -> None:
        """Classify each row and handle it by its kind."""
        self._numbering()
        self._notes_before = len(self.notes)
        self.criterion: int | None = None
        self.position = 0  # index, within the criterion, of the next row that has no code
        self._last_letter: tuple[int | None, str] = (None, "")  # (criterion, letter) read last
        self._under_indicator = False  # the row above is a coded indicator or its detail
        self._under_dotted = False  # … an indicator coded «9.2» (not a letter), or its detail
        handlers = {
            "blank": _ignore,
            "skip": TableReader._on_skip,
            "group": TableReader._on_skip,
            "note": TableReader._on_skip,
            "continuation": TableReader._on_skip,
            "totals": TableReader._on_totals,
            "criterion": TableReader._on_criterion,
            "indicator": TableReader._on_indicator,
        }
        for row in range(self.header.bottom + 1, len(self.header.grid.rows)):
            line = self.classify(row)
            if line.kind == "end":
                self._report(row, "", line.reason or "hết bảng: khối chữ ký")
                self._end = row
                break
            read = len(self.indicators)
            handlers[line.kind](self, line)
            if line.kind != "blank":
                detail = line.reason == _DETAIL
                code = line.code
                self._under_indicator = detail or (code is not None and len(self.indicators) > read)
                self._under_dotted = (detail and self._under_dotted) or (
                    line.kind == "indicator" and code is not None and code.kind == "indicator"
                )

    # -- a layout seen before

    def _layout_key(self) -> tuple:
        """What a table must share with another for its rows to be read the same way, but
        for the rows themselves (`_Plan.fits`)."""
        columns, grid = self.columns, self.header.grid
        return (
            id(self.catalogue),
            id(self.vocabulary),
            grid.name,
            self.header.top,
            self.header.bottom,
            len(grid.rows),
            self.width,
            grid.merged,
            grid.hidden_rows,
            frozenset(grid.formulas),
            columns.no,
            columns.name,
            columns.text,
            columns.thresholds,
            columns.unit,
            tuple(columns.values),
            columns.assessment,
            columns.criterion_assessment,
            columns.note_not_met,
            columns.note,
            tuple(columns.marks.items()),
        )

    # -- the table as a whole

    def _numbering(self) -> None:
        """How this table numbers its rows: Roman criteria with indicators "I.1", "II.2" or
        numbered 1, 2 … again under each criterion; criteria as band rows («Tiêu chí số 2:
        Giao thông») with their indicators numbered 1, 2 … again under each; Latin letters
        ("f)"); or a TT column that only counts rows (1, 2, 3 … beyond the number of
        criteria)."""
        grid, no = self.header.grid, self.columns.no
        wording = self.columns.text if self.columns.text is not None else self.columns.name
        plain: list[int] = []
        letters: set[str] = set()
        dotted = False
        after = ""  # "roman" or "band" when the row above (with a code) started a criterion
        restarts = {"roman": 0, "band": 0}
        named = 0  # rows «2 | Giao thông»: a plain number beside its own criterion's name
        roman = 0  # the Roman number of the last coded row, if it was one
        dotted_codes = 0  # rows coded «1.1», «I.1»: the plain numbers beside them are criteria
        agree = [0, 0]  # Roman rows followed by a code of another criterion, of their own
        names = self.columns.name if self.columns.name != no else None
        for row in range(self.header.bottom + 1, len(grid.rows)):
            text = self._no_text(row)
            start = text or (grid.text(row, wording) if wording is not None else "")
            dotted = dotted or (start[:1] in "IVXL" and bool(_ROMAN_DOTTED.match(start)))
            code = (written_code(text) if text else None) or _band(start, self.catalogue)
            if code is None:
                continue
            if roman and code.criterion and code.kind in ("indicator", "criterion", "letter"):
                agree[code.criterion == roman] += 1
            roman = 0
            if code.kind == "roman":
                after, roman = "roman", code.criterion
                continue
            if code.kind == "criterion" and not _PLAIN_NUMBER.match(text):
                after = "band"
                continue
            if code.kind == "criterion":
                if after and code.criterion == 1:
                    restarts[after] += 1
                plain.append(code.criterion)
                name = grid.text(row, names) if names is not None else ""
                named += bool(name) and self.catalogue.criterion_named(name) == code.criterion
            if code.letter:
                letters.add(code.letter)
            dotted_codes += code.kind == "indicator" and code.sub > 0
            after = ""
        # Numbers beside their criteria's names are criteria: I, II … are only sections
        # (a district's «I. ĐIỀU KIỆN», «II. CÁC TIÊU CHÍ»), never criteria over indicators.
        criteria_numbered = named >= 2
        self.numbered_subs = not criteria_numbered and sum(restarts.values()) >= 2
        # «V» over «5.1», «XVII» over «17.1»: Roman criteria (sections «II. HẠ TẦNG …» are
        # followed by criteria of other numbers: «III» by «10»; a roadmap below the table
        # may follow the last one with its task «1»)
        own = agree[1] >= 3 and agree[1] > 3 * agree[0]
        self.roman_criteria = dotted or own or (not criteria_numbered and restarts["roman"] >= 2)
        self.latin = bool(letters & set("fjwz"))
        criteria = max(self.catalogue.names, default=0)
        self.row_numbers = (
            not self.numbered_subs
            and dotted_codes < 3
            and len(plain) > criteria
            and plain == list(range(plain[0], plain[0] + len(plain)))
        )
        if self.roman_criteria:
            self.notes.append("Tiêu chí đánh số La Mã (I, II …), chỉ tiêu theo từng tiêu chí")
        elif self.numbered_subs:
            self.notes.append(
                "Tiêu chí ghi thành dòng riêng («Tiêu chí số 2: …»), chỉ tiêu đánh số lại 1, 2 … "
                "dưới mỗi tiêu chí"
            )
        if self.row_numbers:
            self.notes.append(
                f"Cột {column_letter(no)} chỉ đánh số dòng (1 … {plain[-1]}), không phải mã: "
                "dòng được nhận theo nội dung"
            )

    # -- classifying a row

    def classify(self, row: int) -> _Line:
        """The kind of a row (see the module docstring), with its code and wording."""
        grid = self.header.grid
        texts = grid.texts(row)[: self.width]
        if not any(texts) and not any((row, c) in grid.formulas for c in range(self.width)):
            return _Line(row, "blank")
        columns = self.columns
        name = self._text(row, columns.name)
        body = self._text(row, columns.text) if columns.text is not None else name
        line = _Line(row, "", None, name, body)
        if row in grid.hidden_rows and (newer := self._newer_row(row)) is not None:
            line.kind, line.reason = "skip", f"dòng ẩn, bản cũ của dòng {newer + 1}"
            return line
        line.code = self._row_code(line)
        if line.code is not None and self._numbers_columns(row, texts):
            line.code = None  # «1 | 2 | 3 …» under the heading: its «1» is no criterion
            line.kind, line.reason = _COLUMN_NUMBERS
        elif line.code is not None:
            line.kind, line.reason = self._coded(line)
        else:
            layout = self._layout_rows[row] = self._layout_row(row, texts)
            line.kind, line.reason = layout or self._uncoded_row(row, body)
        return line

    def _newer_row(self, row: int) -> int | None:
        """The row that replaces a hidden row: the next visible non-blank row, when its TT
        cell holds the same code (an old version kept hidden above the corrected one)."""
        grid, no = self.header.grid, self.columns.no
        text = self._text(row, no)
        code = written_code(text) if text else None
        if code is None:
            return None
        for below in range(row + 1, len(grid.rows)):
            if below in grid.hidden_rows or not any(grid.texts(below)[: self.width]):
                continue
            text = self._text(below, no)
            return below if text and written_code(text) == code else None
        return None

    def _numbers_columns(self, row: int, texts: list[str]) -> bool:
        """Whether a row whose TT cell holds a plain number («1», «(1)») numbers the columns
        («1 | 2 | 3 …»). The layout of a row whose cells that name rows are all marks like
        these is kept: a plan checks it again (`_Plan.fits`), as other cells decide."""
        if not _COLUMN_NUMBER.match(self._text(row, self.columns.no)):
            return False
        columns = self.columns
        named = [self._text(row, col) for col in (columns.no, columns.name, columns.text)]
        if not all(len(text) <= 4 for text in named):  # a criterion's name: no such row
            return False
        layout = self._layout_rows[row] = self._layout_row(row, texts)
        return layout == _COLUMN_NUMBERS

    def _coded(self, line: _Line) -> tuple[str, str]:
        code = line.code
        if code.kind == "roman" and self.roman_criteria:
            line.code = code = Code("criterion", code.criterion)
        if code.kind in ("roman", "group"):
            return "group", "dòng nhóm tiêu chí"
        if code.kind == "letter" and not code.criterion and self._under_dotted:
            return "skip", _DETAIL  # «a) Số hộ …» under «9.2»: a part of it, not 9.1
        return ("criterion" if code.kind == "criterion" else "indicator"), ""

    def _layout_row(self, row: int, texts: list[str]) -> tuple[str, str] | None:
        """The kind of a row that belongs to the table's layout rather than its data: a
        function of the row's `texts` (`_Plan.fits` relies on it)."""
        if is_signature(texts):
            return "end", ""
        if self._is_totals(texts):
            return "totals", ""
        if is_column_numbers(self.header.grid, row, self.width):
            return _COLUMN_NUMBERS
        if self._is_heading_again(texts):
            if self._roadmap_below(texts):
                return "end", "hết bảng: tiêu đề của lộ trình bên dưới"
            return "skip", "dòng tiêu đề lặp lại"
        return None

    def _uncoded_row(self, row: int, body: str) -> tuple[str, str]:
        """The kind of a row without a code: an indicator only when it holds something."""
        if not body and not self._under_merged_label(row):
            return "skip", "dòng không có nội dung"
        if not body and self._label_top(row, own=True) in self._indicator_rows:
            return "continuation", "phần dưới của chỉ tiêu bên trên (ô TT, nội dung gộp)"
        if row - 1 in self._indicator_rows and self._wrapped_below(row - 1):
            return "continuation", "dòng dưới của chỉ tiêu bên trên (nội dung xuống dòng)"
        if self._is_detail(body):
            return "skip", _DETAIL
        if body and self.vocabulary.match("dong_bo_qua", body):
            return "skip", "dòng ghi chú"
        if not self._has_data(row):
            return (
                "note",
                "dòng ghi chú (không mã, không mức chuẩn, không kết quả, không tự đánh giá)",
            )
        if self._continues_above(row):
            return "continuation", "phần dưới của ô gộp đã đọc"
        return "indicator", ""

    def _is_detail(self, body: str) -> bool:
        """Whether an uncoded row details the indicator above: «Trong đó: …», or a bullet
        («+ Tổng chiều dài: 8,5 km», «- Số hộ cần hỗ trợ») under a coded indicator or
        another detail (a table of bulleted rows without codes lists its indicators so)."""
        key = folded(body)
        if key == "trong do" or key.startswith("trong do "):
            return True
        return body[:1] in BULLETS and self._under_indicator

    def _row_code(self, line: _Line) -> Code | None:
        """The row's code: from the TT cell, from the start of the wording ("8.1. Có…"), or a
        criterion named in full ("Giao thông") where a new criterion begins."""
        columns = self.columns
        no_text = self._no_text(line.row)
        body = line.body if columns.text is not None else ""
        code = self._code_cell(no_text) if no_text else None
        if code is not None and code.kind == "criterion" and _PLAIN_NUMBER.match(no_text):
            if self.row_numbers:
                code = None  # a row number, not a code
            elif self.numbered_subs and self.criterion:
                code = Code("indicator", self.criterion, code.criterion)
        if code is None or code.kind in ("criterion", "roman"):
            for text in (body, line.name):
                found = code_in_text(text) if text else None
                if found is None:
                    continue
                if code is None:
                    return found
                if found.kind == "indicator" and found.criterion == code.criterion:
                    line.criterion_too = code.criterion
                    return found  # "1" merged over its rows, "1.1. Có quy hoạch…" beside it
                break
        if code is None and no_text:
            code = code_in_text(no_text)  # «I. QUY HOẠCH» written in the TT column
        if code is None:
            for text in (line.name, body, no_text):
                named = self.catalogue.criterion_named(text) if text else None
                if named is not None and named != self.criterion:
                    return Code("criterion", named)
            code = self._heading_of_next(line)
        return code

    def _heading_of_next(self, line: _Line) -> Code | None:
        """A short row without a code or a value but with an assessment, right above the
        first indicator of the next criterion («GT» over «2a», «MT và ATTP» over «17.1»):
        that criterion's own row, its name abbreviated or misspelt (its wording was matched
        to an indicator)."""
        text = line.name or line.body
        if not text or len(text) > _HEADING_LENGTH or self._filled(line.row, self.columns.values):
            return None
        if not self._has_data(line.row):
            return None  # a note («Cộng nhóm I: đạt 1 tiêu chí»): read as nothing
        _, following = self._next_code(line.row)
        if following is None or following.criterion != (self.criterion or 0) + 1:
            return None
        first = following.sub == 1 or following.letter == "a"
        if not first or (
            self.criterion and self.catalogue.match_text(strip_code(text), self.criterion)
        ):
            return None  # the last indicator of the criterion above, its value left blank
        return Code("criterion", following.criterion)

    def _no_text(self, row: int) -> str:
        """The TT cell's text; a code that Excel turned into a date as it was typed («14.3»
        where the dot separates a date's parts: 14/03) is that code again, when its day can
        be a criterion's number."""
        text = self._text(row, self.columns.no)
        if len(text) != 10 or text[2] != "/":  # dates show as «14/03/2021» (`cell_text`)
            return text
        value = self.header.grid.value(row, self.columns.no)
        if isinstance(value, date) and value.day <= max(self.catalogue.names, default=0):
            return f"{value.day}.{value.month}"
        return text

    def _code_cell(self, text: str) -> Code | None:
        """The TT cell's code; a catalogue code written exactly («17.x», «2.TT35.a») before
        the letter it could also read as («17.x»: letter x of criterion 17)."""
        code = written_code(text)
        if code is None or code.kind == "letter":
            exact = self.catalogue.by_folded_code.get(folded(text))
            return Code("exact", exact=exact) if exact else code
        return code

    def _roadmap_below(self, texts: list[str]) -> bool:
        """Whether a heading row is a roadmap's (Nội dung công việc | Thời gian hoàn thành …)
        under a table whose own heading is not: the table ends there."""
        header = self.header
        own = [t for row in range(header.top, header.bottom + 1) for t in header.grid.texts(row)]
        return is_roadmap_heading(self.vocabulary, texts) and not is_roadmap_heading(
            self.vocabulary, own
        )

    def _is_heading_again(self, texts: list[str]) -> bool:
        """Whether a row repeats the table's headings (a new page's): three roles at least,
        and no figure in its TT cell («Chỉ tiêu 11 | Tỷ lệ hộ nghèo | … | Đạt» is a row)."""
        no = self.columns.no
        if no is not None and no < len(texts) and any(ch.isdigit() for ch in texts[no]):
            return False
        roles = {heading_role(self.vocabulary, folded(t)) for t in texts if t}
        return len(roles - {None, "ignore"}) >= 3

    def _is_totals(self, texts: list[str]) -> bool:
        key = folded(" ".join(t for t in texts if t))
        return "tieu chi" in key and (key.startswith(_TOTALS) or "tieu chi dat" in key)

    def _has_data(self, row: int) -> bool:
        """Whether a row holds a value, an assessment or a requirement (merges apply)."""
        columns = self.columns
        cells = [*columns.values, *columns.assessments, *columns.thresholds]
        return self._filled(row, cells)

    def _under_merged_label(self, row: int) -> bool:
        """Whether the row's TT or wording cell is the lower part of a cell merged from a
        row above (a criterion and its only indicator on two rows)."""
        return self._label_top(row) is not None

    def _label_top(self, row: int, own: bool = False) -> int | None:
        """The first row of the cell merged over this row's TT or wording cell (with `own`,
        the indicator's own cells: TT and wording, not the criterion's name) from a row
        above, if any."""
        columns = self.columns
        labels = self._own_labels() if own else (columns.no, columns.name, columns.text)
        for col in labels:
            merge = self.header.grid.merge_at(row, col) if col is not None else None
            if merge and merge[0] < row:
                return merge[0]
        return None

    def _own_labels(self) -> tuple[int | None, int | None]:
        columns = self.columns
        return columns.no, columns.text if columns.text is not None else columns.name

    def _label_rows(self, row: int) -> range:
        """The rows an indicator's own TT or wording cell is merged over, up to a row with
        a TT or wording of its own (its own row alone when not merged): a long wording on
        two rows, the figures typed on the lower one."""
        grid = self.header.grid
        labels = [col for col in self._own_labels() if col is not None]
        bottom = row
        for col in labels if grid.merged else ():
            merge = grid.merge_at(row, col)
            if merge and merge[0] == row:
                bottom = max(bottom, merge[2])
        for lower in range(row + 1, bottom + 1):
            if any(self._text(lower, col) for col in labels):
                return range(row, lower)
        if bottom == row and self._wrapped_below(row):
            return range(row, row + 2)
        return range(row, bottom + 1)

    def _wrapped_below(self, row: int) -> bool:
        """Whether the row below is the lower line of this indicator, typed on two rows
        without merging: no TT, its wording going on in lower case, the figures on it and
        none on this row («2.1 | Đường xã và đường từ trung tâm xã» over «| đến đường
        huyện được nhựa hóa … | 100% | Đạt»)."""
        no, wording = self._own_labels()
        below = row + 1
        if wording is None or below >= len(self.header.grid.rows) or self._text(below, no):
            return False
        text = self._text(below, wording)
        if not text[:1].islower() or folded(text).startswith("trong do"):  # a detail below
            return False
        return self._has_data(below) and not self._has_data(row)

    def _first_filled(self, row: int, col: int) -> tuple[object, int]:
        """A data cell of an indicator (`_cell`): on its own row, else on the first lower row
        of its merged label that holds something."""
        value, at = self._cell(row, col)
        if value is not None or (at, col) in self.header.grid.formulas:
            return value, at
        for lower in self._label_rows(row)[1:]:
            value, at = self._cell(lower, col)
            if value is not None or (at, col) in self.header.grid.formulas:
                break
        return value, at

    def _continues_above(self, row: int) -> bool:
        """Whether every data cell of the row is the lower part of a merged cell that an
        indicator above already read."""
        columns = self.columns
        found = False
        for col in [*columns.values, *columns.assessments]:
            if col is None:
                continue
            value, at = self._cell(row, col)
            if value is None and (row, col) not in self.header.grid.formulas:
                continue
            if at == row or (at, col) not in self._used_cells:
                return False
            found = True
        return found

    # -- handlers

    def _on_skip(self, line: _Line) -> None:
        self._report(line.row, "", f"bỏ qua: {line.reason}", line.body or line.name)

    @_step
    def _on_totals(self, line: _Line) -> None:
        texts = self.header.grid.texts(line.row)[: self.width]
        joined = " ".join(t for t in texts if t)
        for col in range(len(texts)):
            self._formula(line.row, col)
        if match := _FRACTION.search(joined):
            self.reported_total = (int(match[1]), int(match[2]))
        elif (number := parse_number(joined)) is not None and number == int(number):
            self.reported_total = (int(number), len(self.catalogue.names))
        figure = next((c for c, t in enumerate(texts) if any(ch.isdigit() for ch in t)), 0)
        self.total_cell = cell_address(line.row, figure)
        self._report(line.row, "", "dòng tổng số tiêu chí đạt (đối chiếu)", joined)

    def _on_criterion(self, line: _Line) -> None:
        row, body, name = line.row, line.body, line.name
        again = self.criterion == line.code.criterion and self._heading_only
        criterion = self.criterion = line.code.criterion
        self.position = 0
        # a criterion's number again under its heading row («20 | Khu dân cư mẫu» over «20 |
        # Xây dựng khu dân cư mẫu…»): its only indicator, even left blank
        first = (again and self.catalogue.single(criterion) is not None) or (
            self._also_first_indicator(row, criterion, body, name)
        )
        self._heading_only = not first
        self._criterion_row(row, criterion, not first)
        if not first:
            self._report(row, "", f"tiêu chí {criterion}", body or name)
            return
        single = self.catalogue.single(criterion)
        code = single or self.catalogue.by_position(criterion, 0)
        how = f"dòng tiêu chí {criterion} cũng là chỉ tiêu " + (
            "duy nhất" if single else "đầu tiên"
        )
        # «1 | Có 100% số xã … đạt chuẩn» under a district's «I. ĐIỀU KIỆN» is the condition
        # (indicator 0), not criterion 1: the wording wins, with a warning naming the cell
        written = code
        code, how = self._checked(line, code, how, inferred=True)
        self._indicator(row, code, body, how)
        ordered = self.catalogue.ordered(self.criterion) if code != written else ()
        if code in ordered:
            self.position = ordered.index(code) + 1
        elif code == written:
            self.position = 0 if single else 1

    def _on_indicator(self, line: _Line) -> None:
        code = line.code
        if line.criterion_too is not None:
            self._criterion_row(line.row, line.criterion_too, False)
        if code is None:
            self._uncoded(line)
        elif code.kind == "exact":
            self.criterion = criterion_of(code.exact) or self.criterion
            self._indicator(line.row, code.exact, line.body, f"mã «{code.exact}»")
        elif code.kind == "letter":
            self._lettered(line)
        else:
            self._numbered(line)

    def _numbered(self, line: _Line) -> None:
        code = line.code
        if code.criterion != self.criterion:
            self._criterion_row(line.row, code.criterion, False)
        self.criterion = code.criterion
        written = f"{code.criterion}.{code.sub}"
        indicator = self._indicator_code(code)
        indicator, how = self._checked(line, indicator, f"mã «{written}»")
        ordered = self.catalogue.ordered(self.criterion)
        if indicator in ordered:
            self.position = ordered.index(indicator) + 1
        elif self.catalogue.placeholder_of(indicator):
            self.position = code.sub  # a part: the next uncoded row is the next part
        else:
            self.position += 1
        self._indicator(line.row, indicator, line.body, how)

    def _lettered(self, line: _Line) -> None:
        code = line.code
        if code.criterion:
            if code.criterion != self.criterion:
                self._criterion_row(line.row, code.criterion, False)
            self.criterion = code.criterion
        if self.criterion is None:
            self._report(line.row, "", "bỏ qua: chưa rõ thuộc tiêu chí nào", line.body)
            return
        self.position = code.letter_index(self.latin)
        again = (self.criterion, code.letter) == self._last_letter
        if again and code.letter == "d" and not self.latin:
            self.position += 1  # «d)» again: «đ)» typed without its stroke
        self._last_letter = (self.criterion, code.letter)
        indicator = self.catalogue.by_position(self.criterion, self.position)
        written = f"{code.criterion or ''}{code.letter}"
        indicator, how = self._checked(line, indicator, f"mã «{written}», thứ tự trong tiêu chí")
        self.position += 1
        self._indicator(line.row, indicator, line.body, how)

    def _uncoded(self, line: _Line) -> None:
        """A row without a code: its wording within its criterion, then anywhere, then its
        place in the criterion."""
        body = strip_code(line.body)
        if self.criterion is None:
            match = self.catalogue.match_text(body)
        else:
            match = self.catalogue.match_text(body, self.criterion)
            if match is None:  # another criterion's wording, without its criterion row
                anywhere = self.catalogue.match_text(body)
                confident = anywhere is not None and anywhere.score >= CONFIDENT
                match = anywhere if confident else None  # close to two: ambiguous, not placed
        if match is not None and match.candidates:
            place = self._place(line.row) if self.criterion else None
            match = self.catalogue.settle(match, place, self._first_cell)
        if match is not None and match.code:
            self.criterion = criterion_of(match.code) or self.criterion
            ordered = self.catalogue.ordered(self.criterion) if self.criterion else ()
            if match.code in ordered:
                self.position = ordered.index(match.code) + 1
            how = f"nội dung (giống {match.score}%)"
            if match.candidates:
                others = ", ".join(code for code, _ in match.candidates if code != match.code)
                how += f", cũng giống {others}: chọn theo thứ tự dòng, chỉ tiêu đã đọc"
            self._indicator(line.row, match.code, line.body, how)
            return
        if match is not None and match.candidates:
            names = ", ".join(
                f"{code} «{_short(self.catalogue.texts[code], 40)}» ({score}%)"
                for code, score in match.candidates
            )
            self._add_issue(
                "indicator-ambiguous",
                {
                    "cell": cell_address(line.row, self.columns.text or self.columns.name or 0),
                    "text": _short(line.body, 80),
                    "candidates": names,
                },
            )
            self._report(line.row, "", f"bỏ qua: giống nhiều chỉ tiêu ({names})", line.body)
            return
        if self.criterion is None:
            self._report(line.row, "", "bỏ qua: chưa rõ thuộc tiêu chí nào", line.body)
            return
        if line.row in self.header.grid.hidden_rows:
            self._report(line.row, "", "bỏ qua: dòng ẩn không có mã", line.body)
            return
        code = self.catalogue.by_position(self.criterion, self.position)
        self.position += 1
        self._indicator(line.row, code, line.body, f"thứ tự trong tiêu chí {self.criterion}")

    def _place(self, row: int) -> str | None:
        """The indicator an uncoded row's place names, when its criterion is listed in full,
        one uncoded row per indicator (so «Quy hoạch chung xây dựng xã», 1.1's and 1.2's
        wording, first of two rows under criterion 1, is 1.1); else None."""
        below, count = row, self.position + 1
        while (found := self._next_code(below))[0] >= 0 and found[1] is None:
            below, count = found[0], count + 1
        if count != len(self.catalogue.ordered(self.criterion)):
            return None
        return self.catalogue.by_position(self.criterion, self.position)

    def _checked(
        self, line: _Line, indicator: str, how: str, inferred: bool = False
    ) -> tuple[str, str]:
        """The written code, unless the row's wording is clearly another indicator's (an
        `inferred` code gives way more readily: see `CatalogueIndex.outscored`)."""
        text = strip_code(line.body)
        if inferred:
            match = self.catalogue.outscored(text, indicator)
        else:
            match = self.catalogue.contradiction(text, indicator)
        if match is None:
            return indicator, how
        self._add_issue(
            "indicator-code-mismatch",
            {
                "cell": cell_address(
                    line.row, self.columns.no if self.columns.no is not None else 0
                ),
                "written": indicator,
                "text": _short(line.body, 80),
                "code": match.code,
                "wording": _short(self.catalogue.texts[match.code], 80),
            },
        )
        self.criterion = criterion_of(match.code) or self.criterion
        return match.code, f"nội dung (giống {match.score}%), trái với {how}"

    def _indicator_code(self, code: Code) -> str:
        """Catalogue form of "c.s"; "5.1" is "5" when criterion 5 is its own indicator."""
        written = f"{code.criterion}.{code.sub}"
        if written not in self.catalogue.codes and code.sub == 1:
            return self.catalogue.single(code.criterion) or written
        return written

    def _also_first_indicator(self, row: int, criterion: int, body: str, name: str) -> bool:
        """Whether a criterion row is also an indicator: the criterion is its own indicator
        ("5", or the district's "2" above its sub-conditions) unless the next row is that
        indicator written "5.1"; or the row holds its first indicator's wording (criterion
        cells merged over the indicator rows) and the next row is not coded as one, or is
        coded as a later one while the row holds a value («1 | Quy hoạch | Có quy hoạch … |
        Đạt» over «1.2»).

        A criterion row without a value above a row coded as its own indicator ("Tiêu chí
        số 5 | Trường học" over "5. | Tỷ lệ trường…"), or above an uncoded row that holds
        the value (criterion and indicator rows merged over two rows), is only a heading,
        unless it holds an assessment and the next row no value: a value is never set aside.

        A criterion the catalogue does not itemise («17.x») written as one row with its
        result is that row (read as «17.x»)."""
        below, following = self._next_code(row)
        columns = self.columns
        if criterion in self.catalogue.placeholders and self._alone(
            row, criterion, below, following
        ):
            return True
        single = self.catalogue.single(criterion)
        if single:
            if following is None:
                return (
                    below < 0
                    or self._filled(row, [*columns.values, *columns.assessments])
                    or (not self._filled(below, [*columns.values, *columns.assessments]))
                )
            if following.criterion != criterion:
                return True
            if following.kind == "indicator":
                return self._indicator_code(following) != single
            if following.kind != "criterion" or self._filled(row, columns.values):
                return True
            return self._filled(row, columns.assessments) and not self._filled(
                below, columns.values
            )
        spelt = code_in_text(body) if body else None
        if not body or body == name or (spelt is not None and spelt.kind == "criterion"):
            return False
        if folded(_LEADING_NUMBER.sub("", body)) in self.catalogue.by_name:
            return False  # the criterion's name, perhaps after its number («1. Quy hoạch»)
        if following is None:
            return True
        if following.kind == "exact":
            return criterion_of(following.exact) != criterion
        if following.kind == "letter":
            return False
        if following.kind == "indicator" and following.criterion == criterion:
            # «1 | Quy hoạch | Có quy hoạch chung … | Đạt» over «1.2»: the row holds 1.1
            first = self.catalogue.by_position(criterion, 0)
            return self._indicator_code(following) != first and self._filled(row, columns.values)
        return True

    def _alone(self, row: int, criterion: int, below: int, following: Code | None) -> bool:
        """Whether a criterion row holds a result and nothing of the criterion follows: no
        row coded as one of its indicators, no uncoded row with a result."""
        data = [*self.columns.values, *self.columns.assessments]
        if not self._filled(row, data):
            return False
        if following is None:
            return below < 0 or not self._filled(below, data)
        if following.kind == "exact":
            return criterion_of(following.exact) != criterion
        return following.kind != "letter" and not (
            following.kind == "indicator" and following.criterion == criterion
        )

    def _next_code(self, row: int) -> tuple[int, Code | None]:
        """The next non-blank row (within three rows) and its code; (-1, None) if none."""
        grid = self.header.grid
        for below in range(row + 1, min(row + 4, len(grid.rows))):
            if not any(grid.texts(below)[: self.width]):
                continue
            no_text = self._no_text(below)
            code = self._code_cell(no_text) if no_text else None
            if code is not None and code.kind == "criterion" and _PLAIN_NUMBER.match(no_text):
                if self.row_numbers:
                    code = None
                elif self.numbered_subs and self.criterion:
                    code = Code("indicator", self.criterion, code.criterion)
            if code is None:
                code = code_in_text(self._text(below, self.columns.text)) or code_in_text(
                    self._text(below, self.columns.name)
                )
            if code is not None and code.kind == "roman" and self.roman_criteria:
                code = Code("criterion", code.criterion)
            return below, code
        return -1, None

    # -- cells

    def _text(self, row: int, col: int | None) -> str:
        return self.header.grid.text(row, col) if col is not None else ""

    def _cell(self, row: int, col: int) -> tuple[object, int]:
        """A value cell, merged cells counting for every row they cover: (value, its row)."""
        grid = self.header.grid
        line = grid.rows[row] if row < len(grid.rows) else ()
        value = line[col] if col < len(line) else None
        if value == "" or value is None:
            value = None
            merge = grid.merge_at(row, col)
            if merge and merge[1] < col and self._names_in(merge):
                merge = None  # a band across the row: its text is a heading, not a value
            if merge and merge[0] > self.header.bottom and (merge[0], merge[1]) != (row, col):
                value = grid.value(merge[0], merge[1])
                if self._trace is not None:  # inside steps too: their choices hang on it
                    self._consulted[merge[0], merge[1]] = value is None
                    self._consulted[row, col] = True
                return value, merge[0]
        if self._trace is not None:  # classifying (steps included): is it blank?
            self._consulted[row, col] = value is None
        return value, row

    def _names_in(self, merge: tuple[int, int, int, int]) -> bool:
        """Whether a merged cell covers a column that names the rows (TT, name, wording)."""
        columns = self.columns
        named = (columns.no, columns.name, columns.text)
        return any(c is not None and merge[1] <= c <= merge[3] for c in named)

    def _filled(self, row: int, columns: Sequence[int | None]) -> bool:
        """Whether any of these cells of the row holds a value or a formula (merges apply)."""
        for col in columns:
            if col is None:
                continue
            value, at = self._cell(row, col)
            if value is not None or (at, col) in self.header.grid.formulas:
                return True
        return False

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

    def _parse(self, cell: object, row: int, col: int) -> ParsedValue:
        if isinstance(cell, str):
            return _parse_text(cell, self.vocabulary)
        number_format = ""
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            number_format = self.header.grid.number_format(row, col)
        return parse_value(cell, number_format, self.vocabulary)

    def _assess(self, cell: object) -> Status:
        if isinstance(cell, str):
            return _assess_text(cell, self.vocabulary)
        return parse_assessment(cell, self.vocabulary)

    # -- entries

    @_step
    def _criterion_row(self, row: int, criterion: int, own_row: bool) -> None:
        """A criterion's own Đạt / Chưa đạt: its criterion-level column, or, on a row that
        is the criterion alone, the assessment (or the value) cell."""
        if criterion in self._criteria_seen or criterion not in self.catalogue.names:
            return
        columns = self.columns
        candidates = (
            [columns.criterion_assessment] if columns.criterion_assessment is not None else []
        )
        if own_row and not candidates:
            candidates = [c for c in [columns.assessment, *columns.values] if c is not None]
        for col in candidates:
            value, at = self._cell(row, col)
            status = self._assess(value)
            if status is not Status.UNKNOWN:
                self._criteria_seen.add(criterion)
                self.criteria.append(
                    CriterionEntry(criterion, status, self.header.grid.name, cell_address(at, col))
                )
                return

    def _ticked(self, row: int) -> tuple[Status, str, str]:
        """(status, as written, cell) from the tick columns: the one column ticked says
        which; no tick, or ticks in both, says nothing."""
        grid = self.header.grid
        ticked = []
        for col, status in self.columns.marks.items():
            value, at = self._first_filled(row, col)
            if grid.merged:
                self._used_cells.add((at, col))
            unticked = value is None or value is False  # an unticked checkbox: FALSE
            if not unticked and self._assess(value) is not Status.NOT_MET:
                ticked.append(
                    (
                        status,
                        f"{cell_text(value)} ở cột «{grid.text(self.header.bottom, col)}»",
                        cell_address(at, col),
                    )
                )
        if len(ticked) == 1:
            return ticked[0]
        first = next(iter(self.columns.marks))
        return Status.UNKNOWN, "; ".join(t[1] for t in ticked), cell_address(row, first)

    def _mark(self, text: str, col: int) -> Status:
        """A mark alone in a self-assessment cell: a tick «✓» is Đạt, a cross «✗» Chưa
        đạt; a mark «x» under a heading that is a verdict («Đạt») is that verdict; a code
        the heading explains («Đạt chuẩn (1: đạt; 0: chưa đạt)») is what it says."""
        if text in _MARK_VERDICTS:
            return _MARK_VERDICTS[text]
        heading = self.header.grid.text(self.header.bottom, col)
        for code, meaning in _LEGEND.findall(heading):
            if code == text:
                return _assess_text(meaning, self.vocabulary)
        if _parse_text(text, self.vocabulary).value != YES_TEXT:
            return Status.UNKNOWN
        return _assess_text(heading, self.vocabulary)

    def _value(self, row: int) -> tuple[int | None, int, object, ParsedValue | None]:
        """(column, row, cell, parsed) of the row's value: the first value column that holds
        something; parsed is None for a formula without its result."""
        grid = self.header.grid
        columns = self.columns
        value_col = columns.values[0] if columns.values else None
        cell: object = None
        value_row = row
        for col in columns.values:
            candidate, at = self._first_filled(row, col)
            if candidate is not None or (at, col) in grid.formulas:
                value_col, cell, value_row = col, candidate, at
                break
        if value_col is None:
            return None, row, None, ParsedValue(None, "", False)
        if grid.formulas and self._formula(value_row, value_col):
            return value_col, value_row, cell, None
        if isinstance(cell, str):
            return value_col, value_row, cell, _parse_text(cell, self.vocabulary)
        return value_col, value_row, cell, self._parse(cell, value_row, value_col)

    def _value_noted(self, row: int, code: str) -> ParsedValue | None:
        """The percentage written in the row's «Ghi chú» when its value cell is blank («Đạt
        85,5%»), said where it was read from; None when the note holds none."""
        note = self.columns.note
        text = self._text(row, note) if note is not None and self.columns.values else ""
        if not text or not any(c.isdigit() for c in text):
            return None
        parsed = _parse_text(text, self.vocabulary)
        if not parsed.percent or not isinstance(parsed.value, float):
            return None
        value_cell = cell_address(row, self.columns.values[0])
        note_cell = cell_address(row, note)
        self._add_issue(
            "value-in-note",
            {"cell": note_cell, "code": code, "value_cell": value_cell, "text": text},
        )
        return parsed

    def _met_in_part(self, verdict: str, row: int, value: object, code: str, cell: str) -> Status:
        """«Đạt» with a share below 100% that is neither the row's result nor its standard
        («Đạt 80%» beside 99,2%, «Đạt 2/3 nội dung» beside «Có»): met in part, so not met,
        and said; MET otherwise («Đạt 99,2%», «Đạt (≥98%)», «Đạt 12/12 thôn», no result, a
        percentage on a row writing no standard: it may be the catalogue's)."""
        said = _parse_text(verdict, self.vocabulary)
        figure = said.value
        if not said.percent or not isinstance(figure, float) or figure >= 100:
            return Status.MET
        if value is None or isinstance(value, float) and abs(value - figure) <= 0.5:
            return Status.MET  # no result: the figure may be the result, written there
        standards = self._standards(row)
        if any(abs(standard - figure) <= 0.5 for standard in standards):
            return Status.MET
        if not standards and "/" not in verdict:
            return Status.MET  # «Đạt 98%» with no standard on the row may be the catalogue's
        details = {"cell": cell, "code": code, "text": verdict, "figure": _number(figure) + "%"}
        details["value"] = _number(value)
        self._add_issue("assessment-partial", details)
        return Status.NOT_MET

    @_step
    def _indicator(self, row: int, code: str, body: str, how: str) -> None:
        grid = self.header.grid
        columns = self.columns
        self._indicator_rows.add(row)
        value_col, value_row, cell, parsed = self._value(row)
        if parsed is not None and parsed.raw == "" and (noted := self._value_noted(row, code)):
            value_col, parsed = columns.note, noted
        if parsed is None:
            parsed_value, raw = None, grid.formulas[(value_row, value_col)]
        else:
            parsed_value, raw = parsed.value, parsed.raw
        status, assessment_raw, assessment_cell = Status.UNKNOWN, "", ""
        boxed = None
        if columns.marks:
            status, assessment_raw, assessment_cell = self._ticked(row)
        elif columns.assessment is not None:
            value, at = self._first_filled(row, columns.assessment)
            assessment_cell = cell_address(at, columns.assessment)
            if grid.merged:  # only merged cells can be read again from a row below
                self._used_cells.add((at, columns.assessment))
            if not (grid.formulas and self._formula(at, columns.assessment)):
                assessment_raw = cell_text(value)
                status = self._assess(value)
                if status is Status.MET and isinstance(value, str) and any(map(str.isdigit, value)):
                    status = self._met_in_part(value, row, parsed_value, code, assessment_cell)
                if status is Status.UNKNOWN and assessment_raw:
                    status = self._mark(assessment_raw.strip(), columns.assessment)
                if status is Status.UNKNOWN and columns.note_not_met:
                    number = self._parse(value, at, columns.assessment).value
                    if isinstance(number, float):
                        status = Status.MET if number >= 100 else Status.NOT_MET
                elif status is Status.UNKNOWN and isinstance(value, bool):
                    status = Status.MET if value else Status.NOT_MET  # a checkbox: TRUE/FALSE
                elif status is Status.UNKNOWN and isinstance(value, int | float):
                    boxed = value  # 1/0 of a checkbox, if the column holds nothing else
        value_cell = cell_address(value_row, value_col) if value_col is not None else ""
        said_in_value = (
            status is Status.UNKNOWN
            and columns.assessment is not None
            and not columns.marks
            and not assessment_raw.strip()
            and parsed is not None
            and parsed.raw != ""
        )
        if said_in_value:  # «Đạt» typed in the result column, the verdict left blank
            status = _assess_text(parsed.raw, self.vocabulary)
            said_in_value = status is not Status.UNKNOWN
            if said_in_value:
                assessment_raw, assessment_cell = parsed.raw, value_cell
        if value_col is not None and grid.merged:
            self._used_cells.add((value_row, value_col))
        if code in self._first_cell and row in grid.hidden_rows:
            self._report(row, code, f"bỏ qua: dòng ẩn, chỉ tiêu {code} đã đọc ở dòng hiện", body)
            return
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
            self._report(row, code, f"bỏ qua: chỉ tiêu {code} ghi lần hai", body)
            return
        self._first_cell[code] = value_cell or assessment_cell or cell_address(row, 0)
        entry = _entry(
            code,
            body,
            raw,
            parsed_value,
            status,
            assessment_raw,
            grid.name,
            value_cell,
            assessment_cell,
        )
        if parsed is not None and parsed.estimate:
            self._estimated[len(self.indicators)] = len(self.issues)
            self.issues.append(self._estimate_issue(entry))
        if isinstance(parsed_value, float) and not parsed.percent:
            self._plain.setdefault(value_col, []).append(
                _Plain(len(self.indicators), parsed_value, row, code)
            )
        elif isinstance(parsed_value, float) and parsed_value > 1:
            self._written_percent[value_col] = self._written_percent.get(value_col, 0) + 1
        if placeholder := self.catalogue.placeholder_of(code):
            self._parts.setdefault(entry.criterion_no, []).append(
                (len(self.indicators), len(self.rows), how)
            )
            how += f"; chỉ tiêu con của {placeholder}"
        if said_in_value:
            self._verdicts_in_values.append(len(self.indicators))
        if boxed is not None:
            self._boxed.append((len(self.indicators), boxed))
        self.indicators.append(entry)
        self.rows.append(_reading(row, code, how, body))

    def _estimate_issue(self, entry: IndicatorEntry) -> Issue:
        return make_issue(
            "value-estimated",
            **self.located,
            sheet=entry.sheet,
            cell=entry.value_cell,
            code=entry.code,
            raw=entry.raw,
            value=_number(entry.value),
        )

    def _single_rows(self) -> None:
        """A criterion not itemised («17.x») that the table writes as a single row: that row
        is «17.x» itself, not a part. Say how the parts of the others count."""
        itemised = []
        for criterion, parts in self._parts.items():
            placeholder = self.catalogue.placeholders[criterion]
            if len(parts) != 1 or any(
                e.criterion_no == criterion and e.code == placeholder for e in self.indicators
            ):
                itemised.append(placeholder)
                continue
            ((index, reading, how),) = parts
            entry = self.indicators[index] = replace(self.indicators[index], code=placeholder)
            self.rows[reading] = replace(
                self.rows[reading],
                code=placeholder,
                how=f"{how}; dòng duy nhất của tiêu chí {criterion}: đọc là {placeholder}",
            )
            if index in self._estimated:
                self.issues[self._estimated[index]] = self._estimate_issue(entry)
        if itemised:
            codes = ", ".join(itemised)
            self.notes.append(
                f"Bộ tiêu chí chỉ có một dòng cho cả tiêu chí ({codes}): các dòng ghi dưới tiêu "
                "chí đó là chỉ tiêu con, giữ theo mã của chúng; tiêu chí đạt khi mọi chỉ tiêu con "
                "tự đánh giá Đạt"
            )

    def _percent_unit(self, row: int, code: str, value_col: int) -> bool:
        """Whether the row's unit is "%": its unit cell, its requirement cells, the value
        column's heading, else the catalogue's unit."""
        columns = self.columns
        if columns.unit is not None and (unit := self._text(row, columns.unit)):
            return "%" in unit
        if any("%" in self._text(row, col) for col in columns.thresholds):
            return True
        heading = self.header.grid
        if any(
            "%" in heading.text(r, value_col)
            for r in range(self.header.top, self.header.bottom + 1)
        ):
            return True
        return self.catalogue.units.get(code, "").startswith("%")

    def _fractions(self) -> None:
        """Per value column: plain numbers of "%" rows all between 0 and 1 are fractions of
        100 (scaled, `value-fraction`), and so is a lone one among figures written with «%»
        when its indicator has a floor (≥90: 0,886 is 88,6%, not 0,886%); fractions mixed
        with figures over 1 are ambiguous (`value-scale-ambiguous`) and kept as written."""
        for col, plain in self._plain.items():
            if not any(0 < p.number <= 1 for p in plain):
                continue  # no fraction: nothing to scale or to doubt (units not looked up)
            rows = [p for p in plain if p.number > 0 and self._percent_unit(p.row, p.code, col)]
            small = [p for p in rows if p.number <= 1]
            large = [p for p in rows if p.number > 1]
            if not small:
                continue
            whole_column = len(small) >= 2 and any(p.number < 1 for p in small)
            if not large and (whole_column or self._lone_fraction(col, small)):
                self._scale(col, small)
                continue
            standards = {p.entry: self._met_when_scaled(p) for p in small}
            for p in small:
                if standards[p.entry] is not None:
                    self._scale_said(p, standards[p.entry])
            small = [p for p in small if standards[p.entry] is None]
            if small and len(small) >= len(large):
                entries = [self.indicators[p.entry] for p in small]
                codes = ", ".join(f"{e.code} ({e.raw})" for e in entries)
                self.issues.append(
                    make_issue(
                        "value-scale-ambiguous",
                        **self.located,
                        sheet=self.header.grid.name,
                        cell=entries[0].value_cell,
                        column=column_letter(col),
                        cells=codes,
                    )
                )

    def _lone_fraction(self, col: int, small: list[_Plain]) -> bool:
        """Whether the only fraction of a column of figures written with «%» is one: its
        indicator's requirement is a floor, which a figure below 1% would be far from."""
        if len(small) != 1:
            return False
        lone = small[0]
        return (
            lone.number < 1
            and self._written_percent.get(col, 0) >= 2
            and self.catalogue.comparisons.get(lone.code) in _FLOORS
        )

    def _met_when_scaled(self, plain: _Plain) -> float | None:
        """The standard of a fraction's row that says it is a percentage: a floor over 1
        written on the row (≥98%) that the figure fails as written (0,984) and meets times
        100, and the row's verdict «Đạt»; None when the row does not say so."""
        entry = self.indicators[plain.entry]
        if entry.self_assessment is not Status.MET:
            return None
        if self.catalogue.comparisons.get(plain.code) not in (">=", ">"):
            return None
        for standard in self._standards(plain.row):
            if plain.number < 1 < standard <= plain.number * 100:
                return standard
        return None

    def _standards(self, row: int) -> list[float]:
        """The figures of the standards (requirement cells) written on the row."""
        found = (parse_number(self._text(row, col)) for col in self.columns.thresholds)
        return [standard for standard in found if standard is not None]

    def _scale_said(self, plain: _Plain, standard: float) -> None:
        """Read one fraction as a percentage (×100) because its row says so, naming it."""
        entry = self.indicators[plain.entry]
        value = round(plain.number * 100, 10)
        self.indicators[plain.entry] = replace(entry, value=value)
        self.issues.append(  # after the rows: not a step of the table's plan
            make_issue(
                "value-fraction-by-verdict",
                **self.located,
                sheet=self.header.grid.name,
                cell=entry.value_cell,
                code=entry.code,
                raw=_number(plain.number),
                standard=_number(standard),
                percent=_number(value),
            )
        )

    def _scale(self, col: int, small: list[_Plain]) -> None:
        """Read the fractions of a value column as percentages (×100), saying so once."""
        entries = [self.indicators[p.entry] for p in small]
        for p in small:
            entry = self.indicators[p.entry]
            self.indicators[p.entry] = replace(entry, value=round(p.number * 100, 10))
        example, number = entries[0], small[0].number
        self.issues.append(
            make_issue(
                "value-fraction",
                **self.located,
                sheet=self.header.grid.name,
                cell=example.value_cell,
                column=column_letter(col),
                count=len(small),
                example=f"{_number(number)} = {_number(example.value * 100)}%",
            )
        )
        self.notes.append(
            f"Cột {column_letter(col)}: {len(small)} tỷ lệ ghi dạng số thập phân "
            "(0,855 = 85,5%), đã nhân 100"
        )

    def _money_in_dong(self) -> None:
        """Figures of an indicator counted in millions of đồng («triệu đồng/người/năm») but
        written in đồng («40.500.000 đ»: 100,000 or more) are converted (`value-in-dong`)."""
        for plain in self._plain.values():
            for p in plain:
                unit = self.catalogue.units.get(p.code, "")
                if p.number < _DONG_FLOOR or not fold(unit).startswith("trieu dong"):
                    continue
                entry = self.indicators[p.entry]
                value = round(p.number / 1_000_000, 6)
                self.indicators[p.entry] = replace(entry, value=value)
                self.issues.append(
                    make_issue(
                        "value-in-dong",
                        **self.located,
                        sheet=entry.sheet,
                        cell=entry.value_cell,
                        code=entry.code,
                        raw=entry.raw,
                        value=_number(value),
                        unit=unit,
                    )
                )

    def _checkbox_numbers(self) -> None:
        """A self-assessment column whose numbers are all 1 or 0 (checkboxes exported by
        LibreOffice or a form): 1 is Đạt, 0 Chưa đạt; any other number leaves them all."""
        if not self._boxed or any(number not in (0, 1) for _, number in self._boxed):
            return
        for index, number in self._boxed:
            status = Status.MET if number == 1 else Status.NOT_MET
            self.indicators[index] = replace(self.indicators[index], self_assessment=status)
        column = column_letter(self.columns.assessment)
        self.notes.append(f"Cột {column} ghi tự đánh giá bằng 1/0: 1 là Đạt, 0 là Chưa đạt")

    def _verdicts_said_in_values(self) -> None:
        """Say once which self-assessments were read from the value column (`_indicator`:
        the verdict cell blank, the value cell «Đạt», «Chưa đạt», «Đạt (100%)» …)."""
        if not self._verdicts_in_values:
            return
        entries = [self.indicators[index] for index in self._verdicts_in_values]
        first = entries[0]
        self.issues.append(
            make_issue(
                "assessment-in-value",
                **self.located,
                sheet=first.sheet,
                cell=first.value_cell,
                column=first.value_cell.rstrip("0123456789"),
                assessment=column_letter(self.columns.assessment),
                count=len(entries),
                codes=", ".join(e.code for e in entries),
            )
        )

    @_step
    def _report(self, row: int, code: str, how: str, text: str = "") -> None:
        self.rows.append(_reading(row, code, how, text))

    @_step
    def _add_issue(self, kind: str, details: dict) -> None:
        """An issue of the table's sheet found while classifying its rows."""
        self.issues.append(make_issue(kind, **self.located, sheet=self.header.grid.name, **details))


# --- Layouts seen before ---------------------------------------------------------------


@dataclass
class _Plan:
    """How the rows of a table were read, for the next table of the same layout: communes
    share templates, so most tables differ from one seen before only in their values.

    Classifying the rows reads the texts of the columns that name them (TT, name, wording),
    whether each row is blank, and whether some value, assessment or requirement cells are
    blank (`_cell` notes which); a row without a code is the exception, its every cell may
    say it belongs to the layout (a signature, the column numbers…: `_layout_row`). Below
    the table's end, only the TT column's codes and where Roman numbers start the wording
    count (`_numbering`). A table the same in all those respects is classified the same
    way: its reading is the same steps (`_step`), replayed on its own cells. (What
    `_layout_row` says of a row is a function of the row's texts: a row whose texts are
    the ones the plan met says the same without being looked at again.)"""

    catalogue: CatalogueIndex
    vocabulary: Vocabulary
    named: tuple[int, ...]  # the columns that name the rows: TT, name, wording
    blanks: dict[tuple[int, int], bool]  # the cells classifying asked about: blank?
    numbering: tuple[int | None, int | None]  # the TT and the wording column
    end: int  # the row that ended the table, else the number of rows
    rows: tuple  # the rows of the table, as `_seen` sees them
    below: list[tuple]  # each row below its end, as `_numbered_as`
    layout: dict[int, tuple[str, str] | None]  # `TableReader._layout_rows`
    layout_texts: dict[int, tuple[str, ...]]  # the texts of each of those rows
    notes: list[str]
    steps: list[tuple]

    @classmethod
    def of(cls, reader: TableReader) -> _Plan:
        columns, grid = reader.columns, reader.header.grid
        named = tuple(c for c in (columns.no, columns.name, columns.text) if c is not None)
        wording = columns.text if columns.text is not None else columns.name
        plan = cls(
            catalogue=reader.catalogue,
            vocabulary=reader.vocabulary,
            named=named,
            blanks=dict(reader._consulted),
            numbering=(columns.no, wording),
            end=len(grid.rows) if reader._end is None else reader._end,
            rows=(),
            below=[],
            layout=dict(reader._layout_rows),
            layout_texts={
                row: tuple(grid.texts(row)[: reader.width]) for row in reader._layout_rows
            },
            notes=reader.notes[: reader._notes_before],
            steps=reader._trace,
        )
        plan.rows = plan._table(reader)
        plan.below = [plan._below(reader, row) for row in range(plan.end + 1, len(grid.rows))]
        return plan

    def _table(self, reader: TableReader) -> tuple:
        """The rows of `reader`'s table down to this plan's end, as `_seen` sees them (the
        plans of a layout see the rows alike: seen once per reader)."""
        if reader._seen is None:
            rows = reader.header.grid.rows[reader.header.bottom + 1 :]
            reader._seen = _seen(rows, self.named, reader.width)
        count = self.end - reader.header.bottom
        return tuple([column[:count] for column in part] for part in reader._seen)

    def _below(self, reader: TableReader, row: int) -> tuple:
        seen = reader._below.get(row)
        if seen is None:
            line = reader.header.grid.rows[row]
            seen = reader._below[row] = _numbered_as(line, *self.numbering, self.catalogue)
        return seen

    def fits(self, reader: TableReader) -> bool:
        """Whether `reader`'s table (of the same `_layout_key`) is read the same way."""
        if reader.catalogue is not self.catalogue or reader.vocabulary is not self.vocabulary:
            return False
        if self._table(reader) != self.rows:
            return False
        value = reader.header.grid.value
        if any((value(row, col) is None) != blank for (row, col), blank in self.blanks.items()):
            return False
        for row, seen in enumerate(self.below, self.end + 1):
            if self._below(reader, row) != seen:
                return False
        grid, width = reader.header.grid, reader.width
        for row, layout in self.layout.items():
            texts = grid.texts(row)[:width]
            if tuple(texts) != self.layout_texts[row] and reader._layout_row(row, texts) != layout:
                return False
        return True


_PLANS: dict[tuple, list[_Plan]] = {}  # `TableReader._layout_key` → plans, latest first
_PLANS_MAX = 256  # plans in all (some 40 kB each)
_PLANS_PER_KEY = 8  # variants of one template (a fault here, another wording there)


def _remember(key: tuple, plan: _Plan) -> None:
    if sum(map(len, _PLANS.values())) >= _PLANS_MAX:
        _PLANS.clear()
    plans = _PLANS.setdefault(key, [])
    plans.insert(0, plan)
    del plans[_PLANS_PER_KEY:]


def _seen(rows: list[list], named: tuple[int, ...], width: int):
    """Rows of a table as classifying them sees them, column by column: the `named` cells
    and their types (1 == 1.0 == True, but their texts differ); whether each row has a text
    in its first `width` cells."""
    size = max(named, default=-1) + 1
    if any(len(line) < size for line in rows):
        rows = [[*line, *[""] * (size - len(line))] for line in rows]
    cells = [[line[col] for line in rows] for col in named]
    types = [list(map(type, column)) for column in cells]
    shown = [list(map(_mark, column)) for col, column in zip(named, cells, strict=True)]
    shown = [marks for col, marks in zip(named, shown, strict=True) if col < width]
    zeros = [0] * len(rows)
    texts = [
        most == 2 or 2 in map(_mark, line[:width])
        for line, most in zip(rows, map(max, *shown, zeros, zeros), strict=True)
    ]
    return cells, types, [texts]


# «1: đạt; 0: chưa đạt», «1 = Đạt, 0 = Chưa đạt» in a self-assessment column's heading
_LEGEND = re.compile(r"\b(\d)\s*[:=]\s*([^;,()\d]+)")


def _mark(cell: object) -> int:
    """0 for a blank cell, 1 for a text of spaces only (a blank text), else 2."""
    if cell == "" or cell is None:
        return 0
    return 1 if isinstance(cell, str) and cell.isspace() else 2


def _numbered_as(
    line: list, no: int | None, wording: int | None, catalogue: CatalogueIndex
) -> tuple:
    """What `TableReader._numbering` reads from a row below the table."""
    size = len(line)
    text = cell_text(line[no]) if no is not None and no < size else ""
    start = text or (cell_text(line[wording]) if wording is not None and wording < size else "")
    return (
        start[:1] in "IVXL" and bool(_ROMAN_DOTTED.match(start)),
        (written_code(text) if text else None) or _band(start, catalogue),
        bool(_PLAIN_NUMBER.match(text)),
    )


def _band(text: str, catalogue: CatalogueIndex) -> Code | None:
    """A criterion named at the start of a row without a code in its TT cell («Tiêu chí số
    2: Giao thông», «GIAO THÔNG»): a band row over that criterion's indicators."""
    code = code_in_text(text) if text else None
    if code is not None:
        return code if code.kind == "criterion" else None
    named = catalogue.criterion_named(text) if text else None
    return None if named is None else Code("criterion", named)


@functools.lru_cache(maxsize=1 << 14)  # a template's rows read alike from file to file
def _reading(row: int, code: str, how: str, text: str) -> RowReading:
    """How a row was read (immutable: made once)."""
    return RowReading(row + 1, code, how, _short(text, _SHOWN))


_ENTRIES: dict[tuple, IndicatorEntry] = {}
_ENTRIES_MAX = 1 << 15


def _entry(*fields) -> IndicatorEntry:
    """The IndicatorEntry of these fields (but its criterion), made once when its value is
    a text or nothing: such rows of a template read alike from file to file («Đạt» |
    «Đạt»), and entries are immutable. (A figure is not remembered: 0.0 == -0.0 == 0.)"""
    code, text, raw, value, status, assessment_raw, sheet, value_cell, assessment_cell = fields
    remembered = value is None or type(value) is str
    entry = _ENTRIES.get(fields) if remembered else None
    if entry is None:
        if len(_ENTRIES) >= _ENTRIES_MAX:
            _ENTRIES.clear()
        entry = IndicatorEntry(
            code=code,
            criterion_no=criterion_of(code) or 0,
            text=text,
            raw=raw,
            value=value,
            self_assessment=status,
            assessment_raw=assessment_raw,
            sheet=sheet,
            value_cell=value_cell,
            assessment_cell=assessment_cell,
        )
        if remembered:
            _ENTRIES[fields] = entry
    return entry


def _ignore(reader: TableReader, line: _Line) -> None:
    """Blank rows are not even reported."""


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _number(value: object) -> str:
    """A figure as a Vietnamese reader writes it ("85,5")."""
    if not isinstance(value, float):
        return str(value)
    text = f"{value:.10g}"
    return text.replace(".", ",")
