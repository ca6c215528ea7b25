"""The columns of a self-assessment table: which one holds what, and why.

A column's role comes from its heading, matched against the vocabulary's `tieu_de_bang` rows
(`ntm_excel.vocabulary`): «Kết quả…» is a result column, «…đánh giá…» the self-assessment …
Then the table as a whole decides:

- several result columns for different years («Kết quả năm 2020 | Kết quả năm 2021», «Hiện
  trạng 2020 | Ước thực hiện 2021», years under a two-row «Kết quả thực hiện»): the column of
  the report's year is used, else the latest year; hidden result columns give way to visible
  ones; one column naming a year beside result columns naming none is used when its year is
  the report's, left aside when it is earlier («Kết quả năm 2020 | Kết quả thực hiện»). An
  older year's figure is never the value (`value-column-chosen` says which was used);
- no result column by its heading: a column whose cells are mostly figures, next to the
  requirement column, is the result column (its cells are the evidence); of two columns
  headed as self-assessments («Kết quả tự đánh giá» | «Đạt/Chưa đạt»), the one holding
  figures beside one holding only Đạt/Chưa đạt is the result column;
- «Chỉ tiêu» holds the wording when its cells are long texts, the thresholds otherwise;
- a single «Đánh giá … tiêu chí» column, without an indicator-level one, is the indicators'
  self-assessment;
- headings the vocabulary does not know, by their cells: a column of Đạt/Chưa đạt words
  right after the result column is the self-assessment («Thực tế | So với chuẩn»); a column
  of figures and short words right before the self-assessment column is the result
  («Đã đạt được | Kết luận»); a self-assessment heading over figures beside a column of
  Đạt/Chưa đạt words is the result («Mức độ đạt được | So với chuẩn»);
- tick columns under one self-assessment heading («Tự đánh giá» over «Đạt» | «Chưa đạt»), or
  two such columns side by side without one: a mark (x, ✓) in a column is the assessment its
  heading names.

Every column, used or not, is described in the reading report with the evidence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ntm_excel.codes import written_code
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import ColumnReading, Status
from ntm_excel.read.sheets import MAX_COLS, Header, folded
from ntm_excel.text import cell_address, column_letter
from ntm_excel.values import parse_assessment, parse_value
from ntm_excel.vocabulary import Vocabulary

KIND = "tieu_de_bang"
ROLES = {  # vocabulary meaning → the reader's role
    "so_tt": "no",
    "ten_tieu_chi": "name",
    "noi_dung": "text",
    "chi_tieu_hoac_noi_dung": "text_or_threshold",
    "chi_tieu": "threshold",
    "don_vi_tinh": "unit",
    "ket_qua": "value",
    "tu_danh_gia": "assessment",
    "danh_gia_tieu_chi": "criterion_assessment",
    "ghi_chu": "note",
    "bo_qua": "ignore",
}
ROLE_NAMES = {
    "no": "số thứ tự, mã",
    "name": "tên tiêu chí",
    "text": "nội dung chỉ tiêu",
    "threshold": "mức chuẩn ghi trong biểu (không dùng để tính)",
    "unit": "đơn vị tính",
    "value": "kết quả",
    "assessment": "tự đánh giá",
    "criterion_assessment": "đánh giá cả tiêu chí",
    "note": "ghi chú",
    "ignore": "bỏ qua (của cấp trên)",
}
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
# «Năm 2021», «2021», «Năm 2021 (ước)», «Ước năm 2021»: a heading that names a year's results
_ESTIMATE = r"uoc(?: th| thuc hien| dat)?"
_YEAR_HEADING = re.compile(rf"(?:{_ESTIMATE} )?(?:nam )?(?:19|20)\d\d(?: {_ESTIMATE})?")
_SHARE_OF_STANDARD = re.compile(r"neu chua dat|so voi (?:muc )?(?:chuan|chi tieu|quy dinh)")
_PREFERRED = re.compile(r"\b(ty le|ti le)\b")  # a «Tỷ lệ» column before «Khối lượng»
CONTENT_ROWS = 80  # data rows looked at to judge a column by its cells
_FIGURES = 0.6  # share of figures that makes a column of results
_VERDICTS = 0.9  # share of Đạt/Chưa đạt words that makes a column of self-assessments
_MIXED = 0.25  # share of figures in a column of results beside Đạt/Có/Không words
_MOSTLY = 0.75  # share of Đạt/Chưa đạt words that tells a self-assessment column by its cells
_STRAY = 0.15  # share of figures such a column may hold (the rows of a table below it)
_SHORT_WORDS = 20  # characters of a short result written in words («Đã phê duyệt»)
_COMPARED = "≥≤><="  # a cell starting so is a requirement
_WORDING = 40  # mean characters of a column of indicators' wording
_TARGETS = re.compile(r"\b(?:muc tieu|ke hoach|chi tieu|chuan|quy dinh|yeu cau|dinh muc)\b")


@functools.lru_cache(maxsize=1 << 13)  # headings repeat from file to file
def heading_role(vocabulary: Vocabulary, label: str) -> str | None:
    """The role of a (folded) column heading."""
    found = vocabulary.match_key(KIND, label)
    return ROLES[found.meaning] if found else None


def is_assessment_table(roles: dict[str, tuple[int, ...]]) -> bool:
    """Whether recognised headings make a self-assessment table: a result, a self-assessment
    or a requirement column, something that names the rows, three roles at least; or the
    requirement, the result and the self-assessment, whatever names the rows («Ký hiệu |
    Hạng mục | Chỉ tiêu chung | Kết quả | Tự đánh giá»: its wording is found by its cells)."""
    found = set(roles) - {"ignore"}
    if {"threshold", "value", "assessment"} <= found:
        return True
    has_result = bool(found & {"value", "assessment", "criterion_assessment", "threshold"})
    has_label = bool(found & {"no", "name", "text", "text_or_threshold"})
    return has_result and has_label and len(found) >= 3


@dataclass
class Columns:
    """The columns a table reader uses, and how each column was understood."""

    no: int | None = None
    name: int | None = None
    text: int | None = None
    thresholds: tuple[int, ...] = ()
    unit: int | None = None
    values: list[int] = field(default_factory=list)  # in order of preference
    assessment: int | None = None
    criterion_assessment: int | None = None
    note_not_met: bool = False  # «Đạt chuẩn, nếu chưa đạt ghi % đạt so với chuẩn»
    note: int | None = None  # «Ghi chú», when not read as another role
    marks: dict[int, Status] = field(default_factory=dict)  # tick column → what a tick says
    readings: list[ColumnReading] = field(default_factory=list)

    @property
    def assessments(self) -> list[int]:
        """The columns that hold a row's self-assessment (one, or its tick columns)."""
        return list(self.marks) or ([] if self.assessment is None else [self.assessment])


class _Decider:
    """Decides the columns of one table; collects the evidence and the issues."""

    def __init__(self, header: Header, vocabulary: Vocabulary, year: int | None, located: dict):
        self.header = header
        self.grid = header.grid
        self.vocabulary = vocabulary
        self.year = year
        self.located = located
        self.roles = {role: list(cols) for role, cols in header.roles.items()}
        self.evidence: dict[int, str] = {}
        self.role_of: dict[int, str] = {c: r for r, cols in header.roles.items() for c in cols}
        self.issues: list[Issue] = []

    def _share_of_standard(self, col: int) -> bool:
        """Whether a self-assessment heading asks for the share of the standard reached
        («Đạt chuẩn, nếu chưa đạt ghi % đạt so với chuẩn», «Mức độ đạt so với chuẩn (%)»)."""
        label = self.header.labels.get(col, "")
        return bool(_SHARE_OF_STANDARD.search(label)) or "%" in self.heading(col)

    def heading(self, col: int) -> str:
        """The heading as written (a two-row heading joined)."""
        rows = range(self.header.top, self.header.bottom + 1)
        parts = []
        for row in rows:
            text = self.grid.text(row, col)
            merge = self.grid.merge_at(row, col)
            if not text and merge and merge[0] <= row and merge[1] < col:
                text = self.grid.text(merge[0], merge[1])  # a parent merged over its children
            if text and text not in parts:
                parts.append(text)
        return " ".join(parts)

    def decide(self) -> Columns:
        self._text_or_threshold()
        self._codes_by_content()
        self._wording_by_content()
        self._requirements_among_assessments()
        self._result_among_assessments()
        self._verdicts_beside_figures()
        self._values()
        roles = self.roles
        assessment = self._assessment()
        criterion = _first(roles.get("criterion_assessment"))
        if assessment is None and criterion is not None:
            assessment, criterion = criterion, None
            self.role_of[assessment] = "assessment"
            self.evidence[assessment] = "cột đánh giá duy nhất: dùng cho từng chỉ tiêu"
        if assessment is None and criterion is None:
            assessment = self._verdicts_noted()
        if assessment is None and criterion is None:
            assessment = self._verdicts_beside_values()
        marks = self._marks()
        if marks:
            assessment = next(iter(marks))
        labels = self.header.labels
        values = roles.get("value", [])
        if not values and not marks and "ket qua" in labels.get(assessment, ""):
            values = [assessment]  # one «Kết quả tự đánh giá» column: figures and verdicts
            self.evidence[assessment] = "cột kết quả duy nhất: vừa là số liệu vừa là tự đánh giá"
        columns = Columns(
            no=_first(roles.get("no")),
            name=_first(roles.get("name")),
            text=_first(roles.get("text")),
            thresholds=tuple(roles.get("threshold", ())),
            unit=_first(roles.get("unit")),
            values=values,
            assessment=assessment,
            criterion_assessment=criterion,
            note_not_met=assessment is not None
            and assessment not in values
            and self._share_of_standard(assessment),
            note=next((c for c in roles.get("note", []) if self.role_of.get(c) == "note"), None),
            marks=marks,
        )
        used = (
            {
                c
                for c in (
                    columns.no,
                    columns.name,
                    columns.text,
                    columns.unit,
                    assessment,
                    criterion,
                )
                if c is not None
            }
            | set(columns.values)
            | set(marks)
        )
        columns.readings = self._readings(used)
        return columns

    def _marks(self) -> dict[int, Status]:
        """Tick columns: self-assessment columns under one group heading whose sub-headings
        are the assessments themselves («Đạt» | «Chưa đạt»), both present."""
        marks = {}
        loose = set()  # headings that are the assessment itself: «Đạt» | «Chưa đạt», no group
        for col in self.roles.get("assessment", []):
            if col in self.header.children:
                word = self.grid.text(self.header.bottom, col)
            else:
                word = self.heading(col)
                loose.add(col)
            status = parse_assessment(word, self.vocabulary)
            if status is not Status.UNKNOWN and status not in marks.values():
                marks[col] = status
        if len(marks) < 2 or (loose & set(marks) and max(marks) - min(marks) != 1):
            return {}
        for col, status in marks.items():
            said = "Đạt" if status is Status.MET else "Chưa đạt"
            self.evidence[col] = f"cột đánh dấu (x, ✓): dấu ở cột này là «{said}»"
        return marks

    def _text_or_threshold(self) -> None:
        """«Chỉ tiêu»: the wording when its cells are long texts, else the thresholds."""
        for col in self.roles.pop("text_or_threshold", []):
            texts = [t for t in self._cells(col) if isinstance(t, str)]
            wording = bool(texts) and sum(len(t) for t in texts) / len(texts) > 20
            role = "text" if wording and not self.roles.get("text") else "threshold"
            self.roles.setdefault(role, []).append(col)
            self.role_of[col] = role
            self.evidence[col] = (
                "tiêu đề «Chỉ tiêu», các ô là câu dài: nội dung"
                if role == "text"
                else "tiêu đề «Chỉ tiêu», các ô ngắn: mức chuẩn"
            )

    def _codes_by_content(self) -> None:
        """No TT column by its heading («Ký hiệu», «#»): the first column of the heading,
        before the requirement and result columns, whose cells are mostly codes («1», «1.1»,
        «2a») numbers the rows."""
        if self.roles.get("no"):
            return
        results = [
            c for role in ("value", "assessment", "threshold") for c in self.roles.get(role, [])
        ]
        for col in sorted(self.header.labels):
            if col in self.role_of or col in self.grid.hidden_cols:
                continue
            if col > min(results, default=col):
                return  # the rows' labels come before their requirements and results
            cells = [str(cell).strip() for cell in self._cells(col)]
            coded = sum(1 for cell in cells if cell and written_code(cell) is not None)
            if len(cells) >= 3 and coded >= _FIGURES * len(cells):
                self.roles["no"] = [col]
                self.role_of[col] = "no"
                self.evidence[col] = f"theo nội dung: {coded}/{len(cells)} ô là mã (1, 1.1 …)"
                return

    def _wording_by_content(self) -> None:
        """No wording column by its heading: the column of long texts (the indicators'
        wording), its heading unknown or naming a requirement («Danh mục tiêu chí», «Chỉ
        tiêu cụ thể»), is the wording, read to match rows without a code."""
        if self.roles.get("text"):
            return
        best: tuple[float, int] | None = None
        for col in sorted(self.header.labels):
            if self.role_of.get(col, "threshold") != "threshold" or col in self.grid.hidden_cols:
                continue
            texts = [t for t in self._cells(col) if isinstance(t, str)]
            mean = sum(map(len, texts)) / len(texts) if len(texts) >= 3 else 0
            if mean > _WORDING and (best is None or mean > best[0]):
                best = (mean, col)
        if best is None:
            return
        col = best[1]
        if col in self.roles.get("threshold", []):
            self.roles["threshold"].remove(col)
        self.roles["text"] = [col]
        self.role_of[col] = "text"
        self.evidence[col] = f"theo nội dung: các ô là câu dài (trung bình {best[0]:.0f} ký tự)"

    def _requirements_among_assessments(self) -> None:
        """Of several self-assessment columns, one whose cells write requirements («≥80%»)
        under a heading such as «Mức đạt chuẩn» holds the thresholds."""
        columns = self.roles.get("assessment", [])
        if len(columns) < 2:
            return
        for col in list(columns):
            cells = self._cells(col)
            if not any(isinstance(c, str) and c.lstrip()[:1] in _COMPARED for c in cells):
                continue
            if len(columns) == 1:
                return
            columns.remove(col)
            self.roles.setdefault("threshold", []).append(col)
            self.role_of[col] = "threshold"
            self.evidence[col] = "theo nội dung: các ô ghi «≥…», «≤…»: mức chuẩn"

    def _values(self) -> None:
        values = self.roles.get("value", [])
        values += self._year_columns()
        if len(values) > 1 and not self.roles.get("assessment"):
            self._verdicts_in(values)
        if not values:
            found = self._value_by_content()
            found = self._value_beside_assessment() if found is None else found
            if found is not None:
                values.append(found)
                self.roles["value"] = values
        below = self._sub_headings(values)
        if len(values) > 1:
            values = self._latest(values)
        labels = {c: f"{self.header.labels.get(c, '')} {below.get(c, '')}" for c in values}
        values.sort(key=lambda c: 0 if _PREFERRED.search(labels[c]) else 1)
        self.roles["value"] = values

    def _result_among_assessments(self) -> None:
        """Two self-assessment columns and no result column («Kết quả tự đánh giá của xã» |
        «Đạt/Chưa đạt»): when one holds Đạt/Chưa đạt words and the other figures, the other is
        the result column (read as one, its figures were the self-assessments, each unknown)."""
        columns = self.roles.get("assessment", [])
        if self.roles.get("value") or len(columns) != 2:
            return
        verdicts, figures = [], []
        for col in columns:
            cells = self._cells(col)
            counted = sum(1 for cell in cells if _is_figure(cell, self.vocabulary))
            if self._holds_verdicts(cells):
                verdicts.append(col)
            elif counted:
                figures.append((col, counted, len(cells)))
        if len(verdicts) != 1 or len(figures) != 1:
            return
        col, counted, total = figures[0]
        columns.remove(col)
        self.roles["value"] = [col]
        self.role_of[col] = "value"
        self.evidence[col] = (
            f"theo nội dung: {counted}/{total} ô là số liệu, cột {column_letter(verdicts[0])} ghi "
            "Đạt/Chưa đạt: cột kết quả"
        )

    def _verdicts_beside_figures(self) -> None:
        """One column headed as the self-assessment but holding figures («Mức độ đạt được»),
        no result column, and beside it a column without a known heading holding only
        Đạt/Chưa đạt («So với chuẩn»): the first holds the results, the second the
        self-assessments."""
        columns = self.roles.get("assessment", [])
        if self.roles.get("value") or len(columns) != 1:
            return
        col = columns[0]
        cells = self._cells(col)
        counted = sum(1 for cell in cells if _is_figure(cell, self.vocabulary))
        if not cells or counted < _MIXED * len(cells):
            return
        for other in (col + 1, col - 1):
            if other < 0 or other in self.role_of or other in self.grid.hidden_cols:
                continue
            found = self._cells(other)
            said = self._holds_verdicts(found)
            if not said:
                continue
            self.roles["assessment"], self.roles["value"] = [other], [col]
            self.role_of[col], self.role_of[other] = "value", "assessment"
            self.evidence[col] = f"theo nội dung: {counted}/{len(cells)} ô là số liệu: cột kết quả"
            self.evidence[other] = (
                f"theo nội dung: {said}/{len(found)} ô là «Đạt»/«Chưa đạt», bên cột "
                f"{column_letter(col)} ghi số liệu: cột tự đánh giá"
            )
            return

    def _value_beside_assessment(self) -> int | None:
        """The column just left of the self-assessment column, its heading unknown, when
        its cells are figures and short words (Đạt, Có, Không…), a quarter of them figures
        at least: the results of a table whose indicators are both counted and judged
        («Đã đạt được» | «Kết luận»)."""
        assessments = self.roles.get("assessment", [])
        col = assessments[0] - 1 if len(assessments) == 1 else -1
        if col < 0 or col in self.role_of or col in self.grid.hidden_cols:
            return None
        if _TARGETS.search(self.header.labels.get(col, "")):
            return None
        cells = self._cells(col)
        counted = sum(1 for cell in cells if _is_figure(cell, self.vocabulary))
        short = sum(1 for cell in cells if len(str(cell)) <= _SHORT_WORDS)
        if len(cells) < 3 or counted < _MIXED * len(cells) or short < _VERDICTS * len(cells):
            return None
        if any(isinstance(cell, str) and cell.lstrip()[:1] in _COMPARED for cell in cells):
            return None  # «≥80%»: requirements, not results
        self.role_of[col] = "value"
        self.evidence[col] = (
            f"theo nội dung: {counted}/{len(cells)} ô là số liệu, các ô khác ghi ngắn, ngay "
            f"trước cột tự đánh giá {column_letter(assessments[0])}"
        )
        return col

    def _year_columns(self) -> list[int]:
        """Columns headed by a year alone («Năm 2020» | «Năm 2021 (ước)», no «Kết quả» over them):
        the results of that year (the latest is chosen with the other result columns)."""
        found = []
        for col, label in self.header.labels.items():
            if col not in self.role_of and _YEAR_HEADING.fullmatch(label):
                found.append(col)
                self.role_of[col] = "value"
                self.evidence[col] = "tiêu đề chỉ ghi năm: cột kết quả của năm đó"
        return found

    def _sub_headings(self, values: list[int]) -> dict[int, str]:
        """The row under the heading when it only names result columns, a third heading row
        («Năm 2021» over «Số lượng» | «Tỷ lệ (%)»): column → its folded text; else {}."""
        row = self.header.bottom + 1
        texts = {c: t for c, t in enumerate(self.grid.texts(row)) if t} if values else {}
        if not texts or any(c not in values or len(t) > 40 for c, t in texts.items()):
            return {}
        labels = {c: folded(t) for c, t in texts.items()}
        if any(heading_role(self.vocabulary, label) != "value" for label in labels.values()):
            return {}
        return labels

    def _verdicts_in(self, values: list[int]) -> None:
        """Of several result columns and no self-assessment one («Thực hiện» | «Kết quả»), a
        column whose cells are Đạt/Chưa đạt words, no figure among them, beside one holding
        figures, is the self-assessment column whatever its heading."""
        verdicts = {}
        figures = False
        for col in values:
            cells = self._cells(col)
            said = sum(1 for cell in cells if self._verdict(cell))
            counted = any(_is_figure(cell, self.vocabulary) for cell in cells)
            if cells and said >= _VERDICTS * len(cells) and not counted:
                verdicts[col] = f"theo nội dung: {said}/{len(cells)} ô là «Đạt»/«Chưa đạt»"
            figures = figures or counted
        if len(verdicts) != 1 or not figures:
            return
        col, evidence = next(iter(verdicts.items()))
        values.remove(col)
        self.roles["assessment"] = [col]
        self.role_of[col] = "assessment"
        self.evidence[col] = evidence

    def _verdicts_noted(self) -> int | None:
        """Without a self-assessment column, a «Ghi chú» column whose cells are Đạt/Chưa đạt
        words (the form had no column for them) is the self-assessment column."""
        for col in self.roles.get("note", []):
            cells = self._cells(col)
            said = sum(1 for cell in cells if self._verdict(cell))
            if len(cells) >= 3 and said >= _VERDICTS * len(cells):
                self.role_of[col] = "assessment"
                self.evidence[col] = (
                    f"theo nội dung: {said}/{len(cells)} ô là «Đạt»/«Chưa đạt» (biểu không có "
                    "cột tự đánh giá)"
                )
                return col
        return None

    def _verdicts_beside_values(self) -> int | None:
        """Without a self-assessment column, the column just right of the result column,
        its heading unknown («So với chuẩn», «Kết luận»), when its cells are Đạt/Chưa đạt
        words (`_holds_verdicts`)."""
        values = self.roles.get("value", [])
        col = values[0] + 1 if values else -1
        if col < 1 or col in self.role_of or col in self.grid.hidden_cols:
            return None
        cells = self._cells(col)
        said = self._holds_verdicts(cells)
        if not said:
            return None
        self.role_of[col] = "assessment"
        self.evidence[col] = (
            f"theo nội dung: {said}/{len(cells)} ô là «Đạt»/«Chưa đạt», ngay sau cột kết quả"
        )
        return col

    def _holds_verdicts(self, cells: list[object]) -> int:
        """How many of a column's cells are Đạt/Chưa đạt words, when they are most of them
        and hardly a figure among them (rows below the table, a roadmap's, may be counted
        too); 0 otherwise."""
        said = sum(1 for cell in cells if self._verdict(cell))
        counted = sum(1 for cell in cells if _is_figure(cell, self.vocabulary))
        if len(cells) < 3 or said < _MOSTLY * len(cells) or counted > _STRAY * len(cells):
            return 0
        return said

    def _verdict(self, cell: object) -> bool:
        said = parse_assessment(cell, self.vocabulary) if isinstance(cell, str) else None
        return said is not None and said is not Status.UNKNOWN

    def _latest(self, values: list[int]) -> list[int]:
        """The result columns of the latest period: visible before hidden, the report's year
        (else the latest year) when the headings name years."""
        hidden = self.grid.hidden_cols
        kept = [c for c in values if c not in hidden] or values
        years = {c: int(m[1]) for c in kept if (m := _YEAR.search(self.header.labels.get(c, "")))}
        why = "cột đang hiện" if len(kept) < len(values) else ""
        if len(set(years.values())) > 1:
            chosen = self.year if self.year in years.values() else max(years.values())
            why = "năm báo cáo" if chosen == self.year else "năm gần nhất"
            kept = [c for c in kept if years.get(c, chosen) == chosen]
        elif years and len(years) < len(kept) and self.year:
            # one year named beside result columns that name none: «Kết quả năm 2021» is the
            # report's; «Kết quả năm 2020» beside «Kết quả thực hiện» is the year before
            named = max(years.values())
            if named == self.year:
                kept, why = [c for c in kept if c in years], "năm báo cáo"
            elif named < self.year:
                kept = [c for c in kept if c not in years]
                why = f"cột năm {named} là kỳ trước, cột không ghi năm là năm báo cáo"
        dropped = [c for c in values if c not in kept]
        if dropped:
            for col in dropped:
                self.role_of.pop(col, None)
                self.evidence[col] = f"cột kết quả kỳ trước, không dùng ({why})"
            self.issues.append(
                make_issue(
                    "value-column-chosen",
                    **self.located,
                    sheet=self.grid.name,
                    cell=cell_address(self.header.top, kept[0]),
                    columns=", ".join(self._named(c) for c in values),
                    used=", ".join(self._named(c) for c in kept),
                    reason=why,
                )
            )
            for col in kept:
                self.evidence[col] = f"cột kết quả được dùng ({why})"
        return kept

    def _assessment(self) -> int | None:
        """The self-assessment column: of several, a visible one before a hidden one, then
        the report's year (else the latest) when the headings name years; the first else."""
        columns = self.roles.get("assessment", [])
        if len(columns) < 2:
            return _first(columns)
        kept = [c for c in columns if c not in self.grid.hidden_cols] or columns
        why = "cột đang hiện" if len(kept) < len(columns) else ""
        labels = self.header.labels
        years = {c: int(m[1]) for c in kept if (m := _YEAR.search(labels.get(c, "")))}
        if len(set(years.values())) > 1:
            chosen = self.year if self.year in years.values() else max(years.values())
            why = "năm báo cáo" if chosen == self.year else "năm gần nhất"
            kept = [c for c in kept if years.get(c, chosen) == chosen]
        if why:
            for col in columns:
                used = col == kept[0]
                self.evidence[col] = (
                    f"cột tự đánh giá được dùng ({why})"
                    if used
                    else f"cột tự đánh giá không dùng ({why})"
                )
        return kept[0]

    def _named(self, col: int) -> str:
        hidden = " (ẩn)" if col in self.grid.hidden_cols else ""
        return f"{column_letter(col)} «{self.heading(col)}»{hidden}"

    def _value_by_content(self) -> int | None:
        """A column without a known heading whose cells are mostly figures, preferably next
        to the requirement column."""
        # within the heading's columns (a table beside it has its own figures)
        width = min(max(self.header.labels, default=-1) + 2, MAX_COLS)
        thresholds = self.roles.get("threshold", [])
        best: tuple[tuple[int, int], int, str] | None = None
        for col in range(width):
            if col in self.role_of or col in self.grid.hidden_cols:
                continue
            cells = self._cells(col)
            figures = sum(1 for cell in cells if _is_figure(cell, self.vocabulary))
            if len(cells) < 3 or figures < _FIGURES * len(cells):
                continue
            beside = any(abs(col - t) == 1 for t in thresholds)
            where = ", cạnh cột mức chuẩn" if beside else ""
            evidence = f"theo nội dung: {figures}/{len(cells)} ô là số liệu{where}"
            rank = (1 if beside else 0, figures)
            if best is None or rank > best[0]:
                best = (rank, col, evidence)
        if best is None:
            return None
        self.role_of[best[1]] = "value"
        self.evidence[best[1]] = best[2]
        return best[1]

    def _cells(self, col: int) -> list[object]:
        """The non-blank cells of a column below the heading (the first rows)."""
        start = self.header.bottom + 1
        cells = (self.grid.value(row, col) for row in range(start, start + CONTENT_ROWS))
        return [cell for cell in cells if cell is not None]

    def _readings(self, used: set[int]) -> list[ColumnReading]:
        width = max([*self.header.labels, *self.role_of], default=-1) + 1
        readings = []
        for col in range(width):
            heading = self.heading(col)
            role = self.role_of.get(col)
            if not heading and role is None:
                continue
            evidence = self.evidence.get(col)
            if evidence is None and (label := self.header.labels.get(col)):
                child = self.header.children.get(col)
                own = self.vocabulary.match_key(KIND, child) if child else None
                decided = own is not None and ROLES[own.meaning] == role
                found = own if decided else self.vocabulary.match_key(KIND, label)
                evidence = (
                    f"tiêu đề khớp «{found.word}» (từ vựng dòng {found.row})"
                    if found
                    else "tiêu đề không có trong từ vựng"
                )
            if col in self.grid.hidden_cols:
                evidence = f"{evidence}; cột ẩn"
            shown = ROLE_NAMES.get(role, "") if role else ""
            if role and col not in used and role not in ("note", "ignore", "threshold"):
                shown = f"{shown} (không dùng: đã có cột khác)"
            readings.append(ColumnReading(column_letter(col), heading, shown, evidence or ""))
        return readings


def _first(columns: list[int] | tuple[int, ...] | None) -> int | None:
    return columns[0] if columns else None


def _is_figure(cell: object, vocabulary: Vocabulary) -> bool:
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float):
        return True
    return isinstance(cell, str) and isinstance(parse_value(cell, "", vocabulary).value, float)


def decide_columns(
    header: Header, vocabulary: Vocabulary, year: int | None, located: dict
) -> tuple[Columns, list[Issue]]:
    """The columns of the table under `header`, with the issues their choice raises."""
    decider = _Decider(header, vocabulary, year, located)
    return decider.decide(), decider.issues


def label_role(vocabulary: Vocabulary):
    """A heading classifier for `locate_header` (folded label → role)."""
    return functools.partial(heading_role, vocabulary)
