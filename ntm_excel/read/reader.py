"""Read one workbook as it really arrives: the Submission of each unit it holds, and the
issues found.

The path through a file:

1. the bytes are sniffed (`ntm_excel.read.sniff`): a renamed, password-protected, damaged or
   hostile file stops here with `file-unreadable`; so does a workbook without a single cell;
2. every sheet becomes a grid (`ntm_excel.read.sheets`; an HTML table, an XML Spreadsheet
   2003 or a CSV saved as .xls: `ntm_excel.read.markup`); legacy TCVN3/VNI text is converted;
3. a self-assessment table is a sheet and row whose headings name the most known columns
   (the vocabulary's `tieu_de_bang` rows: TT, Tên tiêu chí, Nội dung, Chỉ tiêu, Kết quả thực
   hiện, Tự đánh giá, Ghi chú…, in any order, on one row or two, under a title block of any
   height); its columns are decided in `ntm_excel.read.columns`;
4. the unit comes from a code cell, else the title block, else the file name (also the unit
   of an unreadable file, when its name says). A workbook
   that a cluster or a clerk compiled for several communes (a summary sheet, then one sheet
   per commune, named in its title block or only by its tab) gives one Submission per
   commune, each with its own sheet; a summary sheet is not a commune;
5. each row below the headings is classified and read (`ntm_excel.read.table`); a table
   split over two sheets is read whole (the second with its heading repeated, or going on
   with later criteria in the same columns without it); of two copies of one table, a
   draft («Bản nháp») gives way;
6. the roadmap sheet, if any, gives the unit's tasks (`ntm_excel.read.roadmap`); so does a
   roadmap typed below the table or beside it (`ntm_excel.read.layouts.beside`).

Hidden rows are read like the others: hiding a row in Excel does not withdraw its data, and
the consolidated report must show what the file holds. Merged value or assessment cells
apply to every row they cover (reported at their top-left cell). Thresholds written in the
workbook are not used: the catalogue's thresholds are the ones that count. How the file was
understood (sheets, heading, the role of each column and why, how each row was mapped) is
kept in the submission's `ReadingReport`.

`read_workbook` is a pure function of the file and its arguments; parsed cell texts,
headings, wording matches and unit names are memoised for the life of the process (they
repeat from file to file), which changes speed, never results.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice
from pathlib import Path

from ntm_excel.codes import written_code
from ntm_excel.config import vietnam_time
from ntm_excel.errors import UnreadableFileError, read_reason
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import COMMUNE, DISTRICT, PROVINCE, ReadingReport, Status, Submission, Unit
from ntm_excel.read.clues import (
    TELL_APART,
    TEXT_SHOWN,
    commune_line,
    conflicting,
    disagreeing,
    district_elsewhere,
    fix_advice,
    not_among,
    other_tones,
    some_of,
    spelled_as,
    title_cell,
    title_clue,
    unknown_detail,
    written_at,
)
from ntm_excel.read.columns import is_assessment_table, label_role
from ntm_excel.read.flat import FlatSheet, flat_sheet, glued_heading
from ntm_excel.read.layouts import beside, several_units_issue, unit_columns, unread_layout
from ntm_excel.read.legacy import (
    column_encoding,
    detect_encoding,
    to_unicode,
    verdict_encoding,
)
from ntm_excel.read.markup import markup_grids
from ntm_excel.read.matching import CatalogueIndex
from ntm_excel.read.roadmap import is_roadmap_heading, read_roadmap, title_year
from ntm_excel.read.sheets import (
    HEADER_SCAN_ROWS,
    Grid,
    Header,
    cell_text,
    folded,
    load_grids,
    locate_header,
)
from ntm_excel.read.sniff import sniff
from ntm_excel.read.table import TableReader
from ntm_excel.reference.catalog import Indicator
from ntm_excel.reference.registry import (
    NOWHERE,
    Clues,
    Place,
    Registry,
    UnitMatch,
    describe,
    spaced,
)
from ntm_excel.text import SHORT_TEXT, fold, memoised_text, shown
from ntm_excel.vocabulary import Vocabulary, bundled_vocabulary

TITLE_ROWS = 15  # rows above the table searched for the unit's name or code
_HEADLESS_ROWS = 3  # indicators a sheet without a heading must hold to go on with the table
MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes on disk
_SUMMARY = ("tong hop", "tonghop", "summary")  # a sheet of several communes

ReadResult = tuple[Submission | None, list[Issue]]


def read_submission(
    path: str | Path,
    registry: Registry,
    indicators: Sequence[Indicator],
    vocabulary: Vocabulary | None = None,
) -> ReadResult:
    """Read a workbook of one unit (the first unit of a workbook holding several; see
    `read_workbook`). Returns (None, [file-unreadable]) when it cannot be opened; a
    Submission without indicators when no self-assessment table was found."""
    return read_workbook(path, registry, indicators, vocabulary)[0]


def read_workbook(
    path: str | Path,
    registry: Registry,
    indicators: Sequence[Indicator],
    vocabulary: Vocabulary | None = None,
) -> list[ReadResult]:
    """Read one workbook: a (Submission, issues) for each unit it holds (at least one), or
    [(None, [file-unreadable])] when it cannot be read."""
    path = Path(path)
    try:
        stat = path.stat()
        if stat.st_size > MAX_FILE_SIZE:
            size = f"{stat.st_size / 1024 / 1024:.0f} MB"
            reason = f"tệp quá lớn ({size}) so với một biểu tự đánh giá"
            return [_unreadable(path, registry, reason)]
        data = path.read_bytes()
    except OSError as exc:
        reason = f"không mở được tệp ({read_reason(exc)})"
        return [_unreadable(path, registry, reason)]
    try:
        sniffed = sniff(data)
        grids = markup_grids(data, sniffed.kind) or load_grids(sniffed.package or data, sniffed)
    except UnreadableFileError as exc:
        return [_unreadable(path, registry, exc.reason)]
    if not any(_has_cells(grid) for grid in grids):
        return [_unreadable(path, registry, "tệp không có dữ liệu (mọi trang tính đều trống)")]
    vocabulary = vocabulary or bundled_vocabulary()
    book = _Workbook(
        path=path,
        data=data,
        modified=vietnam_time(stat.st_mtime),
        grids=grids,
        encoding=_convert_legacy(grids),
        registry=registry,
        catalogue=_index(indicators, vocabulary),
        vocabulary=vocabulary,
    )
    return book.read()


def _has_cells(grid: Grid) -> bool:
    return bool(grid.formulas) or any(cell not in ("", None) for line in grid.rows for cell in line)


def _unreadable(path: Path, registry: Registry, reason: str) -> ReadResult:
    """The file-unreadable issue of `path`, with the unit its file name names, if one (a
    file collected from a commune's mail is named with the commune's code)."""
    place = registry.locate(Clues(folders=_folders(path)))
    unit = _match(registry, re.sub(r"[_\-.]+", " ", path.stem), place).unit
    code = unit.code if unit else ""
    return None, [make_issue("file-unreadable", unit_code=code, file=path.name, reason=reason)]


_INDEXES: dict[tuple[int, int], tuple[Sequence[Indicator], Vocabulary, CatalogueIndex]] = {}


def _index(indicators: Sequence[Indicator], vocabulary: Vocabulary) -> CatalogueIndex:
    """The catalogue index of a set, kept for the process (its wording matches repeat)."""
    key = (id(indicators), id(vocabulary))
    hit = _INDEXES.get(key)
    if hit is not None and hit[0] is indicators and hit[1] is vocabulary:
        return hit[2]
    if len(_INDEXES) > 16:
        _INDEXES.clear()
    index = CatalogueIndex(indicators, vocabulary)
    _INDEXES[key] = (indicators, vocabulary, index)
    return index


@dataclass
class _Workbook:
    """One workbook while it is read."""

    path: Path
    data: bytes
    modified: datetime
    grids: list[Grid]
    encoding: str
    registry: Registry
    catalogue: CatalogueIndex
    vocabulary: Vocabulary
    beside: dict[int, Grid] = field(default_factory=dict)  # a table's sheet → its roadmap's

    def _is_roadmap(self, texts: list[str]) -> bool:
        return is_roadmap_heading(self.vocabulary, texts)

    def read(self) -> list[ReadResult]:
        classify = label_role(self.vocabulary)
        headers = {}
        for grid in self.grids:
            header = locate_header([grid], classify, is_assessment_table)
            if header is not None:
                headers[id(grid)] = header
        if not headers:
            headers = _glued_headings(self.grids, classify)
        if not headers:
            headers = _headings_further_down(self.grids, classify)
        for key, header in headers.items():
            headers[key], side = beside(header, self._is_roadmap, is_assessment_table)
            if side is not None:
                self.beside[key] = side
        if flat := flat_sheet(list(headers.values()), self.registry):
            return self._by_rows(flat)
        communes = self._communes(list(headers.values()))
        if len(communes) > 1:
            return self._several(communes, headers)
        unread, set_aside = self._unread_layouts(headers)
        candidates = self._candidates(headers)
        header = _best(self.grids, headers, candidates)
        unit_code, unit_text, issues = identify_unit(
            self.grids,
            header or set_aside,
            self.registry,
            self.path.name,
            folders=_folders(self.path),
        )
        if header is None and unread:  # the layout issue alone says what the sheet is
            issues = [issue for issue in issues if issue.code != "unit-ambiguous"]
        issues += unread
        located = {"unit_code": unit_code or "", "file": self.path.name}
        if header is not None and (issue := _version_issue(header, candidates, located)):
            issues.append(issue)
        submission = self._submission(
            header, unit_code, unit_text, issues, self.grids, [], headers, candidates
        )
        return [submission]

    def _candidates(self, headers: dict[int, Header]) -> dict[int, _Candidate]:
        """Each table of a workbook holding several, read to weigh which is the one
        (none for a workbook of one table: nothing to weigh)."""
        if len(headers) < 2:
            return {}
        located = {"unit_code": "", "file": self.path.name}
        found = {}
        for position, grid in enumerate(self.grids):
            header = headers.get(id(grid))
            if header is None:
                continue
            year = report_year(header, self.grids)
            table = TableReader(header, self.catalogue, self.vocabulary, located, year)
            table.read()
            found[id(grid)] = _candidate(header, position, table)
        return found

    def _unread_layouts(self, headers: dict[int, Header]) -> tuple[list[Issue], Header | None]:
        """The issues of tables laid out by commune, taken out of `headers` (the first of
        them is returned: its title block still names the unit), and, when no table was
        found, of grids of communes or tables turned on their side."""
        issues, set_aside = [], None
        for key, header in list(headers.items()):
            if found := unit_columns(header, self._names_commune):
                issues.append(several_units_issue(header, found, self.path.name))
                set_aside = set_aside or headers.pop(key)
        if not headers and not issues:
            issues = unread_layout(self.grids, self._names_commune, self.path.name)
        return issues, set_aside

    def _names_commune(self, text: str) -> bool:
        """Whether `text` is wholly the name of a commune («Cẩm Thành», «XÃ CẨM THÀNH»), of
        one or of several («Xã Tân Lập»)."""
        found = _match(self.registry, text)
        key = fold(text)
        return any(
            unit.tier == COMMUNE
            and key in (name := fold(unit.name), name.removeprefix(fold(unit.kind)).strip())
            for unit in ((found.unit,) if found.unit else found.candidates)
        )

    # -- several communes in one workbook

    def _communes(self, headers: list[Header]) -> dict[str, tuple[Header, str]]:
        """Commune code → (its table, the text that named it), for the tables whose own
        title block or sheet tab names a commune; empty unless the workbook names two. A
        hidden sheet is no commune's own beside a visible table (a neighbour's file used as
        the form, its sheet left in and hidden)."""
        found: dict[str, tuple[Header, str]] = {}
        headers = [header for header in headers if not header.grid.hidden] or headers
        if len(headers) < 2:
            return {}
        for header in headers:
            named = _sheet_unit(header.grid, header, self.registry, _folders(self.path))
            if named is not None:
                found.setdefault(named[0], (header, named[1]))
        return found if len(found) > 1 else {}

    def _several(
        self, communes: dict[str, tuple[Header, str]], headers: dict[int, Header]
    ) -> list[ReadResult]:
        used = {id(header.grid) for header, _ in communes.values()}
        names = ", ".join(
            f"«{header.grid.name}»: {self.registry.get(code).name}"
            for code, (header, _) in communes.items()
        )
        notes = [f"Tệp gồm {len(communes)} xã, mỗi xã một trang ({names})"]
        loose: list[Issue] = []
        for grid in self.grids:
            if id(grid) in headers and id(grid) not in used:
                if _is_summary(grid, headers[id(grid)]):
                    notes.append(f"Trang «{grid.name}»: trang tổng hợp, không phải của một xã")
                else:
                    detail = f" (trang «{grid.name}» của tệp nhiều xã: ghi tên xã ở đầu trang)"
                    loose.append(
                        make_issue(
                            "unit-unknown", file=self.path.name, sheet=grid.name, detail=detail
                        )
                    )
        results = []
        for code, (header, text) in communes.items():
            roadmaps = [
                grid
                for grid in self.grids
                if id(grid) not in headers
                and (found := _sheet_unit(grid, None, self.registry, _folders(self.path)))
                and found[0] == code
            ]
            results.append(
                self._submission(header, code, text, [], [header.grid, *roadmaps], notes)
            )
        return results + ([(None, loose)] if loose else [])

    def _by_rows(self, flat: FlatSheet) -> list[ReadResult]:
        """A submission per unit of a sheet whose rows each name their unit by code."""
        if flat.too_many:
            return [(None, [flat.too_many_issue(self.path.name)])]
        names = {code: self.registry.get(code).name for code in flat.units}
        notes = [flat.note(names)]
        results = []
        for code, header in flat.units.items():
            submission, issues = self._submission(
                header, code, flat.unit_text(code), [], [header.grid], notes
            )
            reading = flat.explained(submission.reading)
            results.append((replace(submission, reading=reading), issues))
        unknown = flat.unknown_issues(self.path.name)
        return results + ([(None, unknown)] if unknown else [])

    # -- one unit's submission

    def _submission(
        self,
        header: Header | None,
        unit_code: str | None,
        unit_text: str,
        issues: list[Issue],
        sheets: list[Grid],
        notes: list[str],
        headers: dict[int, Header] | None = None,
        candidates: dict[int, _Candidate] | None = None,
    ) -> ReadResult:
        """The submission of one unit, read from `sheets` (its table's and its roadmap's).
        With the workbook's other tables (`headers`), one that goes on with other indicators
        is read too: «TC 1-10» and «TC 11-19» on two sheets are one self-assessment."""
        located = {"unit_code": unit_code or "", "file": self.path.name}
        issues = list(issues)
        if self.encoding:
            issues.append(make_issue("encoding-converted", **located, encoding=self.encoding))
        # and the sheets of too many cells, left unread
        unread = [g for g in self.grids if g.truncated and not g.rows and g not in sheets]
        for grid in [*sheets, *unread]:
            if grid.truncated:
                issues.append(
                    make_issue("sheet-truncated", **located, sheet=grid.name, detail=grid.truncated)
                )
        year = report_year(header, self.grids)
        if header is not None and (issue := self._other_period(header, located)):
            issues.append(issue)
        table = None
        if header is not None:
            table = TableReader(header, self.catalogue, self.vocabulary, located, year)
            table.read()
            issues += table.issues
            continued = self._continue(table, headers or {}, located, year)
            for other in continued:
                issues += other.issues
                table.indicators += other.indicators
                table.criteria += other.criteria
                if table.reported_total is None:
                    table.reported_total, table.total_cell = other.reported_total, other.total_cell
            if headers is not None:
                notes = [*notes, *self._sheet_notes(header, headers, continued, candidates)]
        elif not any(issue.code == "table-layout-unsupported" for issue in issues):
            issues.append(make_issue("table-not-found", **located))
        tasks, roadmap_issues, roadmap_note = read_roadmap(
            [
                self.beside.get(id(grid), grid)
                for grid in sheets
                if header is None or grid is not header.grid or id(grid) in self.beside
            ],
            self.catalogue.names,
            below=header,
            below_from=table.end if table else None,
            unit_code=unit_code or "",
            file_name=self.path.name,
            year=year,
            vocabulary=self.vocabulary,
        )
        issues += roadmap_issues
        reading = _report(header, table, [*notes, roadmap_note], self.encoding, unit_text)
        dated = [header.grid, *(other.header.grid for other in continued)] if header else []
        submission = Submission(
            path=str(self.path),
            file_name=self.path.name,
            sha256=hashlib.sha256(self.data).hexdigest(),
            size=len(self.data),
            modified=self.modified,
            unit_code=unit_code,
            unit_text=unit_text,
            indicators=tuple(table.indicators) if table else (),
            criteria=tuple(table.criteria) if table else (),
            tasks=tuple(tasks),
            reported_total=table.reported_total if table else None,
            total_cell=table.total_cell if table else "",
            sheet=header.grid.name if header else "",
            encoding=self.encoding,
            report_date=next(filter(None, map(report_date, dated)), None),
            reading=reading,
            level=submission_level(sheets, header),
        )
        return submission, issues

    def _other_period(self, header: Header, located: dict) -> Issue | None:
        """A title naming another period than the catalogue set's («… GIAI ĐOẠN 2016-2020»
        read against the 2021–2025 set)."""
        used = self.catalogue.period
        for text, _ in _title_lines(self.grids, header) if used else ():
            found = _PERIOD.search(text)
            if found and (int(found[1]), int(found[2])) != used:
                written, wanted = f"{found[1]}–{found[2]}", f"{used[0]}–{used[1]}"
                return make_issue(
                    "catalog-period-mismatch", **located, written=written, used=wanted
                )
        return None

    def _continue(
        self, table: TableReader, headers: dict[int, Header], located: dict, year: int | None
    ) -> list[TableReader]:
        """The tables of other sheets that go on with indicators `table` has not."""
        codes = {entry.code for entry in table.indicators}
        continued = []
        for header in headers.values():
            if header.grid is table.header.grid or header.grid.hidden:
                continue
            other = TableReader(header, self.catalogue, self.vocabulary, located, year)
            other.read()
            found = {entry.code for entry in other.indicators}
            if found and codes.isdisjoint(found):
                continued.append(other)
                codes |= found
        if not continued and table.indicators and len(codes) < len(self.catalogue.codes):
            continued = self._headless(table, headers, codes, located, year)
        return continued

    def _headless(
        self,
        table: TableReader,
        headers: dict[int, Header],
        codes: set[str],
        located: dict,
        year: int | None,
    ) -> list[TableReader]:
        """The next visible sheet after the table's, without a heading of its own, when its
        rows go on with later criteria in the table's columns (criteria 11–19 on a second
        page, the heading not repeated); read as if under the table's heading."""
        after = iter(self.grids)
        if not any(grid is table.header.grid for grid in after):
            return []  # a table of the workbook's own making (an export's rows of one unit)
        grid = next((grid for grid in after if not grid.hidden), None)
        last = max(entry.criterion_no for entry in table.indicators)
        if grid is None or id(grid) in headers or _first_criterion(grid, table) <= last:
            return []
        header = replace(table.header, grid=grid, top=-1, bottom=-1)
        other = TableReader(header, self.catalogue, self.vocabulary, located, year)
        other.read()
        found = {entry.code for entry in other.indicators}
        first = min((entry.criterion_no for entry in other.indicators), default=0)
        if len(found) < _HEADLESS_ROWS or not codes.isdisjoint(found) or first <= last:
            return []
        return [other]

    def _sheet_notes(
        self,
        header: Header,
        headers: dict[int, Header],
        continued: list[TableReader],
        candidates: dict[int, _Candidate] | None,
    ) -> list[str]:
        notes = []
        for other in continued:
            numbers = sorted({entry.criterion_no for entry in other.indicators})
            notes.append(
                f"Trang «{other.header.grid.name}»: bảng tự đánh giá tiếp theo (tiêu chí "
                f"{numbers[0]}–{numbers[-1]}), đọc cùng trang «{header.grid.name}»"
            )
        read = {id(other.header.grid) for other in continued}
        for grid in self.grids:
            if grid is header.grid or id(grid) in read:
                continue
            if id(grid) in headers:
                notes.append(
                    f"Trang «{grid.name}»: cũng có bảng tự đánh giá nhưng "
                    f"{_passed_over(headers[id(grid)], header, candidates or {})}, không "
                    "đọc; đã đọc trang "
                    f"«{header.grid.name}»"
                )
        return notes


def _glued_headings(grids: list[Grid], classify) -> dict[int, Header]:
    """The headings of an export written in glued identifiers («MaXa | MaChiTieu | GiaTri»),
    looked for when no sheet has a heading in words."""
    return {id(grid): header for grid in grids if (header := glued_heading(grid, classify))}


def _first_criterion(grid: Grid, table: TableReader) -> int:
    """The criterion of the first code in the TT column of `grid` (0 when none in its first
    rows, or the table has no TT column): a sheet that goes on with the table starts with
    a criterion after the table's last, a roadmap with task numbers 1, 2 …"""
    no = table.columns.no
    for row in range(min(len(grid.rows), HEADER_SCAN_ROWS)) if no is not None else ():
        text = grid.text(row, no)
        if text and (code := written_code(text)) is not None and code.criterion:
            return code.criterion
    return 0


def _headings_further_down(grids: list[Grid], classify) -> dict[int, Header]:
    """The self-assessment headings below the first rows of each sheet (a report's text
    pasted above the table), looked for when no sheet has one in its first rows."""
    headers = {}
    for grid in grids:
        for start in range(HEADER_SCAN_ROWS, len(grid.rows), HEADER_SCAN_ROWS):
            header = locate_header([grid], classify, is_assessment_table, first_row=start)
            if header is not None:
                headers[id(grid)] = header
                break
    return headers


@dataclass
class _Candidate:
    """One of several tables of a workbook, weighed for being the one to read."""

    header: Header
    position: int  # the sheet's place in the workbook
    filled: int  # rows holding a value or a self-assessment
    answers: dict[str, tuple[str, str]]  # indicator code → (value, self-assessment) as typed
    other: str  # why the sheet is not the commune's own table ("" when nothing says so)
    fill: int = 2  # 0 nothing written, 1 a few rows (an example), 2 filled

    @property
    def codes(self) -> set[str]:
        return set(self.answers)


def _candidate(header: Header, position: int, table: TableReader) -> _Candidate:
    answers = {entry.code: (entry.raw, entry.assessment_raw) for entry in table.indicators}
    filled = sum(1 for raw, said in answers.values() if raw or said)
    filled += sum(1 for entry in table.criteria if entry.self_assessment is not Status.UNKNOWN)
    return _Candidate(header, position, filled, answers, _not_the_communes(header))


# A tab naming a template, a guide or an example; a tab or title naming a village's table.
_NOT_OWN_TAB = re.compile(r"(?<!\bkieu )\bmau\b|\bhuong dan\b|\bvi du\b")
_VILLAGE = re.compile(r"\b(?:khu dan cu|kdc)\b|(?<!\bnong )\bthon\b|\bxom\b")
_OTHER_NAMES = {"mau": "trang mẫu", "huong dan": "trang hướng dẫn", "vi du": "trang ví dụ"}


def _not_the_communes(header: Header) -> str:
    """What a sheet is instead of the commune's own table («trang mẫu», «trang hướng dẫn»,
    «bảng của khu dân cư»), as its tab or its title says; "" when nothing says so."""
    tab = fold(header.grid.name)
    titles = [tab] + [folded(text) for text, _ in _title_lines([header.grid], header)]
    if any(_VILLAGE.search(text) for text in titles):  # «KDC mẫu»: a model village's
        return "bảng của khu dân cư (thôn)"
    found = _NOT_OWN_TAB.search(tab)
    return _OTHER_NAMES[found[0]] if found else ""


def _best(
    grids: list[Grid], headers: dict[int, Header], candidates: dict[int, _Candidate]
) -> Header | None:
    """The table to read. Of several: a filled table before an empty one or a few example
    rows, a commune's own before a template, guide or village sheet, then the heading that
    names the most columns, a visible sheet before a hidden one, the latest year their tabs
    or titles name when each names one («TĐG 2020», «TĐG 2021»), and, of two versions of
    one table, the later correction (`_version`); else the earlier sheet."""
    if not candidates:
        return next((headers[id(grid)] for grid in grids if id(grid) in headers), None)
    _weigh(list(candidates.values()))
    years = {key: _sheet_year(c.header.grid) for key, c in candidates.items()}
    if not all(years.values()):
        years = {}
    ranks = {key: _rank(c, years.get(key, 0)) for key, c in candidates.items()}
    order = sorted(candidates, key=lambda key: candidates[key].position)
    best = max(order, key=ranks.__getitem__)  # the first of the highest
    rivals = [
        key
        for key in order
        if ranks[key] == ranks[best] and candidates[key].codes & candidates[best].codes
    ]
    if len(rivals) > 1:
        versions = {key: _version(candidates[key].header.grid) for key in rivals}
        best = max(rivals, key=versions.__getitem__)
    return candidates[best].header


def _weigh(candidates: list[_Candidate]) -> None:
    """Mark each table nothing written (0), a few rows against a table of the same
    indicators holding more than twice as many (1: an example), or filled (2)."""
    for candidate in candidates:
        most = max(
            other.filled
            for other in candidates
            if other is candidate or other.codes & candidate.codes
        )
        candidate.fill = 0 if not candidate.filled else 1 if candidate.filled * 2 < most else 2


def _rank(candidate: _Candidate, year: int) -> tuple:
    grid = candidate.header.grid
    return (candidate.fill, not candidate.other, candidate.header.score, not grid.hidden, year)


# A tab saying its table was corrected («TĐG lần 2 (đã sửa)», «Bổ sung», «Cập nhật 15-3») or
# is the final one («Chính thức», «Final»); a tab saying it is a draft («Bản nháp», «Dự thảo»)
_CORRECTED = re.compile(r"\b(?:da sua|sua doi|sua lai|chinh sua|bo sung|dieu chinh|cap nhat)\b")
_FINAL = re.compile(r"\b(?:chinh thuc|final)\b")
_DRAFT = re.compile(r"\b(?:ban nhap|draft|du thao|ban thao)\b|(?<!bang )\bnhap$")
_ROUND = re.compile(r"\b(?:lan|ban|v|ver)\s*(\d{1,2})\b")  # «lần 2», «bản 3», «v2»


def _version(grid: Grid) -> tuple[bool, bool, int, date]:
    """How late a version of a table is: its tab does not call it a draft, says it was
    corrected or final, the round its tab numbers («lần 2»), the day it was signed."""
    tab = fold(grid.name)
    found = _ROUND.search(tab)
    return (
        not _DRAFT.search(tab),
        bool(_CORRECTED.search(tab) or _FINAL.search(tab)),
        int(found[1]) if found else 0,
        report_date(grid) or date.min,
    )


def _version_issue(
    header: Header, candidates: dict[int, _Candidate], located: dict
) -> Issue | None:
    """`sheet-chosen` when another filled version of the table read, holding other values,
    was left aside for being older (or for standing after it)."""
    chosen = candidates.get(id(header.grid))
    if chosen is None:
        return None
    older = [
        other
        for other in candidates.values()
        if other is not chosen
        and other.fill == 2
        and not other.other
        and other.header.score == chosen.header.score
        and other.codes & chosen.codes
        and _differs(other, chosen)
        and not (other.header.grid.hidden and not header.grid.hidden)
        and not 0 < _sheet_year(other.header.grid) < _sheet_year(header.grid)
    ]
    if not older:
        return None
    return make_issue(
        "sheet-chosen",
        **located,
        sheet=header.grid.name,
        used=header.grid.name,
        others=", ".join(f"«{other.header.grid.name}»" for other in older),
        reason=_why_version(header.grid, older[0].header.grid)
        or "trang đứng trước; không có gì cho biết trang nào mới hơn",
    )


def _differs(one: _Candidate, other: _Candidate) -> bool:
    """Whether two versions write something different for an indicator both hold."""
    return any(one.answers[code] != other.answers[code] for code in one.codes & other.codes)


def _why_version(chosen: Grid, other: Grid) -> str:
    """What says the `chosen` version is later than the `other`; "" when nothing does."""
    mine, theirs = _version(chosen), _version(other)
    if mine[0] and not theirs[0]:
        return f"trang «{other.name}» là bản nháp"
    if mine[1] and not theirs[1]:
        final = _FINAL.search(fold(chosen.name))
        return f"tên trang ghi là bản {'chính thức' if final else 'đã sửa'}"
    if mine[2] > theirs[2]:
        return f"tên trang ghi lần {mine[2]}"
    if mine[3] > theirs[3]:
        return f"ký ngày {mine[3]:%d/%m/%Y}, sau ngày {theirs[3]:%d/%m/%Y}"
    return ""


_TAB_YEAR = re.compile(r"(?<!\d)20\d\d(?!\d)")
_TITLE_YEAR = re.compile(r"\bnam (20\d\d)\b")  # «… năm 2021»
_PERIOD = re.compile(r"(?<!\d)(20[0-4]\d)\s*[-–—]\s*(20[0-4]\d)(?!\d)")  # «2016-2020»


def report_year(header: Header | None, grids: list[Grid]) -> int | None:
    """The year a table reports on: named in the title rows above its heading (never in the
    heading, whose columns may name past years: «Kết quả» over «Năm 2019 | Năm 2020»), else
    in its sheet's tab, else in the titles of the other sheets."""
    if header is None:
        return title_year(grids)
    grid = header.grid
    for row in range(min(header.top, TITLE_ROWS)):
        for text in grid.texts(row):
            if text and (found := _TITLE_YEAR.search(folded(text))):
                return int(found[1])
    if tab := _TAB_YEAR.search(grid.name):
        return int(tab[0])
    return title_year([other for other in grids if other is not grid])


def _sheet_year(grid: Grid) -> int:
    """The year a sheet's tab or else its title names (0 for none)."""
    year = _TAB_YEAR.search(grid.name)
    return int(year[0]) if year else title_year([grid]) or 0


def _passed_over(other: Header, chosen: Header, candidates: dict[int, _Candidate]) -> str:
    """Why `other`'s table was not the one read, against the `chosen` one's."""
    theirs, mine = candidates.get(id(other.grid)), candidates.get(id(chosen.grid))
    weighed = theirs is not None and mine is not None
    if weighed and theirs.fill == 0 < mine.fill:
        return "chưa ghi kết quả, tự đánh giá (trang trống)"
    if other.score < chosen.score:
        return "nhận ra ít cột hơn"
    if other.grid.hidden and not chosen.grid.hidden:
        return "bị ẩn"
    if 0 < _sheet_year(other.grid) < _sheet_year(chosen.grid):
        return "là của năm trước"
    if weighed and theirs.other and not mine.other:
        return f"là {theirs.other}"
    if weighed and theirs.fill < mine.fill:
        return f"chỉ ghi {theirs.filled} dòng, trang đọc ghi {mine.filled} (bảng ví dụ?)"
    why = _why_version(chosen.grid, other.grid) if weighed and theirs.codes & mine.codes else ""
    if why:
        return f"là bản trước ({why})"
    return "đứng sau"


def _is_summary(grid: Grid, header: Header) -> bool:
    """A sheet that sums up several communes: so named, or so titled."""
    texts = [fold(grid.name)] + [folded(line) for line, _ in _title_lines([grid], header)]
    return any(word in text for text in texts for word in _SUMMARY)


def _sheet_unit(
    grid: Grid, header: Header | None, registry: Registry, folders: tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """(code, text) of the commune a sheet's own title block, else its tab, names."""
    lines = _title_lines([grid], header)
    coded = _unit_from_code(lines, registry)
    if coded and coded[0].tier == COMMUNE:
        return coded[0].code, coded[1]
    place = registry.locate(Clues(lines=tuple(text for text, _ in lines), folders=folders))
    communes, _, _ = _units_named(lines, registry, place)
    if len(communes) == 1:
        unit, text = next(iter(communes.values()))
        return unit.code, text
    if communes:
        return None
    by_tab = _match(registry, grid.name, place)
    if by_tab.unit and by_tab.unit.tier == COMMUNE:
        return by_tab.unit.code, f"{grid.name} (tên trang)"
    return None


def _report(
    header: Header | None,
    table: TableReader | None,
    notes: list[str],
    encoding: str,
    unit_text: str,
) -> ReadingReport:
    """How the file was understood, for the clerk."""
    lines = [f"Đơn vị nhận từ: {unit_text}" if unit_text else "Đơn vị: không xác định được"]
    if encoding:
        lines.append(f"Chữ gõ bằng bảng mã cũ {encoding}, đã chuyển sang Unicode")
    if header is None:
        lines.append("Không trang nào có dòng tiêu đề của bảng tự đánh giá")
        return ReadingReport(notes=tuple(lines + [n for n in notes if n]))
    lines += table.notes
    rows = (
        f"{header.top + 1}"
        if header.top == header.bottom
        else f"{header.top + 1}–{header.bottom + 1}"
    )
    return ReadingReport(
        sheet=header.grid.name,
        header_rows=rows,
        columns=tuple(table.columns.readings),
        rows=tuple(table.rows),
        notes=tuple(lines + [n for n in notes if n]),
    )


# «XÃ NÔNG THÔN MỚI KIỂU MẪU», «XÃ ĐẠT CHUẨN NÔNG THÔN MỚI NÂNG CAO», «TIÊU CHÍ NTM KIỂU MẪU»;
# not a village's or a garden's level («KHU DÂN CƯ NÔNG THÔN MỚI KIỂU MẪU», «VƯỜN MẪU»).
_LEVEL_TITLE = re.compile(
    r"(?<!\bkhu dan cu )(?<!\bthon )(?<!\bxom )(?<!\bvuon )"
    r"\b(?:nong thon moi|ntm) (nang cao|kieu mau)\b"
)
_LEVELS = {"nang cao": "nâng cao", "kieu mau": "kiểu mẫu"}


def submission_level(grids: list[Grid], header: Header | None) -> str:
    """ "nâng cao" or "kiểu mẫu" when the title block names an advanced or model commune
    ("BIỂU TỰ ĐÁNH GIÁ TIÊU CHÍ XÃ ĐẠT CHUẨN NÔNG THÔN MỚI KIỂU MẪU"), else ""."""
    for text, _ in _title_lines(grids, header):
        if match := _LEVEL_TITLE.search(folded(text)):
            return _LEVELS[match[1]]
    return ""


_SIGNED = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")
_DIGIT = re.compile("[0-9]")


def report_date(grid: Grid) -> date | None:
    """The date a report is signed ("Cẩm Thành, ngày 10 tháng 3 năm 2021"), if written."""
    undated = _UNDATED
    for row in grid.rows:
        if undated.issuperset(row):  # a row of blanks and texts seen before: skipped whole
            continue
        for cell in row:  # half the cells are blank (""), most others seen before: skipped
            if cell and isinstance(cell, str) and cell not in undated:
                found = _signed(cell)
                if found is not _UNSIGNED:
                    return found
                if len(cell) <= SHORT_TEXT:
                    if len(undated) >= _UNDATED_MAX:
                        undated.clear()
                        undated.add("")
                    undated.add(cell)
    return None


def _signing_place(grid: Grid) -> str:
    """Where a report is signed: "Cẩm Lạc" of "Cẩm Lạc, ngày 10 tháng 3 năm 2021" ("" if
    no such line)."""
    for row in reversed(grid.rows):  # the signature closes the sheet
        for cell in row:
            if cell and isinstance(cell, str) and "," in cell and _signed(cell) is not _UNSIGNED:
                return cell.split(",", 1)[0].strip()
    return ""


# «TM. ỦY BAN NHÂN DÂN XÃ …», «T/M UBND XÃ …»: the body a report is signed for
_ON_BEHALF = re.compile(r"^t ?m (?:ubnd|uy ban nhan dan) ")


def _signing_body(header: Header) -> str:
    """The «TM. UBND XÃ …» line of the signature under a table ("" if none)."""
    grid = header.grid
    for row in range(len(grid.rows) - 1, header.bottom, -1):  # the signature closes the sheet
        for text in grid.texts(row):
            if text and _ON_BEHALF.match(folded(text)):
                return text
    return ""


_UNSIGNED = object()  # a text that writes no date
# Texts known to write no date (they repeat from file to file): skipped without a call.
_UNDATED: set[str] = {""}  # with the blank cell
_UNDATED_MAX = 1 << 15


@memoised_text
def _signed(text: str) -> date | None | object:
    """The date `text` writes ("…, ngày 10 tháng 3 năm 2021"; None when it is no real date),
    else `_UNSIGNED`. Texts repeat from file to file: the answer is remembered."""
    # cheap tests first: a date needs "th" (tháng) and ASCII digits, which folding keeps
    if "th" not in text.lower() or not _DIGIT.search(text):
        return _UNSIGNED
    m = _SIGNED.search(fold(text))
    if m is None:
        return _UNSIGNED
    try:
        return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None


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
    hinted = list(islice((text for text in texts if _LEGACY_HINT.search(text)), _SAMPLE_TEXTS))
    unicode = list(islice((text for text in texts if _UNICODE_ONLY.search(text)), _SAMPLE_TEXTS))
    encoding = detect_encoding(hinted + unicode)
    if not encoding:
        _convert_legacy_cells(grids)
        return ""
    for grid in grids:
        for r, row in enumerate(grid.rows):
            for c, cell in enumerate(row):
                if isinstance(cell, str) and not cell.isascii():
                    grid.set_value(r, c, to_unicode(cell, encoding))
    return encoding


def _convert_legacy_cells(grids: list[Grid]) -> None:
    """In a Unicode workbook, convert the cells pasted from an old-font document («ñy ban
    nh©n d©n x· Nam Phóc Th¨ng»), each on its own evidence; short cells too few words each
    (a verdict «§¹t»), on the evidence of their column (`column_encoding`), or alone when
    they decode to a verdict word (`verdict_encoding`)."""
    for grid in grids:
        columns: dict[int, list[tuple[int, str]]] = {}
        for r, row in enumerate(grid.rows):
            for c, cell in enumerate(row):
                if (
                    isinstance(cell, str)
                    and _LEGACY_HINT.search(cell)
                    and not _UNICODE_ONLY.search(cell)
                ):
                    if encoding := detect_encoding([cell]):
                        grid.set_value(r, c, to_unicode(cell, encoding))
                    else:
                        columns.setdefault(c, []).append((r, cell))
        for c, cells in columns.items():
            encoding = column_encoding([text for _, text in cells])
            for r, text in cells:  # too few for the column: a verdict word on its own
                if decoding := encoding or verdict_encoding(text):
                    grid.set_value(r, c, to_unicode(text, decoding))


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
    a commune named in the title block (ambiguous when the file name names another); a
    commune named by the table's sheet tab or by the file name ("CamMinh_TDG.xlsx"; two
    different ones are ambiguous); unless the title names an ambiguous unit, the place the
    report is signed at ("Cẩm Lạc, ngày 10 tháng 3 năm 2021"), then the commune it is signed
    for ("TM. ỦY BAN NHÂN DÂN XÃ CẨM LẠC"); the district itself (a commune's title block
    often starts with "UBND HUYỆN …", so the district only counts when no commune is named
    anywhere). A name several units bear ("Xã Tân Lập") is
    told apart by the districts and provinces the title block, the `folders` and the file
    name name (none of the registry's but another province's: not its namesake). A code
    that contradicts the title's commune, or a name that still fits several units, gives
    `unit-ambiguous`; nothing at all `unit-unknown`.
    """
    located = {"file": file_name}
    title = _title_lines(grids, header)
    coded = _unit_from_code(title, registry)
    lines = tuple(text for text, _ in title)
    place = registry.locate(Clues(lines=lines, folders=folders, file_name=file_name))
    communes, districts, ambiguous = _units_named(title, registry, place)
    if coded:
        unit, text = coded
        other = next((v for code, v in communes.items() if code != unit.code), None)
        if other is None and ambiguous:  # «Mã đơn vị: 18685» above «UBND XÃ TÂN LẬP»
            clue = (title_clue(grids, header, text, "ô mã", TITLE_ROWS), "ô mã")
            issue = _against_title(grids, header, located, unit, clue, ambiguous)
            return (None, text, [issue]) if issue else (unit.code, text, [])
        if other is None:
            return unit.code, text, []
        clues = [
            (unit, title_clue(grids, header, text, "ô mã", TITLE_ROWS)),
            (other[0], title_clue(grids, header, other[1], "đầu biểu", TITLE_ROWS)),
        ]
        sheet, cell = title_cell(grids, header, text, TITLE_ROWS)
        at = {**located, "sheet": sheet, "cell": cell}
        advice = fix_advice("ô mã", "đầu biểu")
        return None, text, [_conflict_issue(f"{text} / {other[1]}", clues, at, advice)]
    by_file = _match(registry, spaced(Path(file_name).stem), place)
    if len(communes) == 1:
        unit, text = next(iter(communes.values()))
        if folder := _province_folder_elsewhere(registry, folders, unit):
            # «UBND XÃ CHÂU THÀNH» (Nghệ An's only) in a folder «TienGiang»: not its report
            clues = f"{describe(unit)} theo đầu biểu, còn thư mục «{shown(folder, TEXT_SHOWN)}»"
            sheet, cell = title_cell(grids, header, text, TITLE_ROWS)
            at = {**located, "sheet": sheet, "cell": cell}
            advice = "Hãy sửa đầu biểu hoặc để tệp vào đúng thư mục của tỉnh."
            return None, text, [_conflict_issue(text, [], at, advice, f"{clues} chỉ tỉnh khác")]
        if issue := _named_elsewhere(grids, header, registry, unit, text, folders, file_name):
            return None, text, [issue]  # «UBND XÃ CẨM VĨNH» in a folder «ThachHa»
        tones = _tones_ignored(grids, header, registry, unit, text, located)
        if tones and tones.code == "unit-ambiguous":  # «XÃ THẠCH HÀ»: Huyện Thạch Hà's name
            return None, text, [tones]
        other = by_file.unit
        if other is None or other.tier != COMMUNE or other.code == unit.code:
            return unit.code, text, [tones] if tones else []
        # «XÃ CẨM BÌNH» in a copied form's title, «xa_cam_vinh.xlsx»: whose is it?
        clues = [
            (unit, title_clue(grids, header, text, "đầu biểu", TITLE_ROWS)),
            (other, f"tên tệp «{file_name}»"),
        ]
        sheet, cell = title_cell(grids, header, text, TITLE_ROWS)
        at = {**located, "sheet": sheet, "cell": cell}
        advice = fix_advice("đầu biểu", "tên tệp")
        text = f"{text} / {file_name}"
        return None, text, [_conflict_issue(text, clues, at, advice)]
    if len(communes) > 1:
        units = tuple(unit for unit, _ in communes.values())
        text = " / ".join(text for _, text in communes.values())
        return None, text, [_ambiguous_issue(text, UnitMatch(None, units), located)]
    by_sheet = _tab_match(registry, header.grid.name, place) if header else UnitMatch(None, ())
    named = {m.unit.code: m.unit for m in (by_sheet, by_file) if m.unit and m.unit.tier == COMMUNE}
    if len(named) > 1:  # the tab and the file name name two communes
        text = f"{header.grid.name} / {file_name}"
        clues = [
            (by_sheet.unit, f"tên trang «{header.grid.name}»"),
            (by_file.unit, f"tên tệp «{file_name}»"),
        ]
        at = {**located, "sheet": header.grid.name}
        return None, text, [_conflict_issue(text, clues, at, fix_advice("tên trang", "tên tệp"))]
    if named:
        by_name = by_file.unit in named.values()
        text = file_name if by_name else header.grid.name
        unit = next(iter(named.values()))
        clue = (
            (f"tên tệp «{file_name}»", "tên tệp")
            if by_name
            else (f"tên trang «{text}»", "tên trang")
        )
        if ambiguous and (issue := _against_title(grids, header, located, unit, clue, ambiguous)):
            return None, ambiguous[0], [issue]
        return unit.code, text, []
    if ambiguous:
        sheet, cell = title_cell(grids, header, ambiguous[0], TITLE_ROWS)
        at = {**located, "sheet": sheet, "cell": cell}
        where = written_at(grids, header, file_name, TITLE_ROWS)
        texts = (*lines, *folders, file_name)  # «UBND HUYỆN A» in a folder «Huyện B»?
        advice = disagreeing(where, texts, registry, ambiguous[1].candidates) or TELL_APART
        return None, ambiguous[0], [_ambiguous_issue(*ambiguous, at, advice)]
    signed_at = _signing_place(header.grid) if header else ""
    by_place = _tab_match(registry, signed_at, place) if signed_at else UnitMatch(None, ())
    if by_place.unit and by_place.unit.tier == COMMUNE:  # «Cẩm Lạc, ngày 10 tháng 3 …»
        return by_place.unit.code, signed_at, []
    signer = _signing_body(header) if header else ""
    by_signer = _match(registry, signer, place) if signer else UnitMatch(None, ())
    if by_signer.unit and by_signer.unit.tier == COMMUNE:  # «TM. ỦY BAN NHÂN DÂN XÃ CẨM LẠC»
        return by_signer.unit.code, signer, []
    if len(districts) == 1 and not commune_line(lines):  # «UBND XÃ CẨM QAUN» is no district's
        unit, text = next(iter(districts.values()))
        return unit.code, text, []
    if by_file.unit and by_file.unit.tier == DISTRICT:
        return by_file.unit.code, file_name, []
    if by_file.ambiguous:
        return None, file_name, [_ambiguous_issue(file_name, by_file, located)]
    where = written_at(grids, header, file_name, TITLE_ROWS)
    detail = unknown_detail(where, lines, place, registry)
    detail = detail or f" (đã xem đầu biểu và tên tệp «{file_name}»)"
    return None, "", [make_issue("unit-unknown", **located, detail=detail)]


def _named_elsewhere(
    grids: list[Grid],
    header: Header | None,
    registry: Registry,
    unit: Unit,
    text: str,
    folders: tuple[str, ...],
    file_name: str,
) -> Issue | None:
    """`unit-ambiguous` when a folder or the file name names another district of the
    commune's province (a commune of Cẩm Xuyên filed under «ThachHa»), naming both."""
    named, districts = district_elsewhere(registry, unit, (*folders, file_name))
    if not named:
        return None
    where = "tên tệp" if named == file_name else "thư mục"
    clues = (
        f"{describe(unit)} theo đầu biểu, còn {where} «{shown(named, TEXT_SHOWN)}» chỉ huyện "
        f"khác: {districts}"
    )
    sheet, cell = title_cell(grids, header, text, TITLE_ROWS)
    at = {"file": file_name, "sheet": sheet, "cell": cell}
    advice = (
        "Hãy sửa đầu biểu hoặc tên tệp cho đúng xã gửi."
        if named == file_name
        else "Hãy sửa đầu biểu hoặc để tệp vào đúng thư mục của huyện."
    )
    return _conflict_issue(text, [], at, advice, clues)


def _tones_ignored(
    grids: list[Grid],
    header: Header | None,
    registry: Registry,
    unit: Unit,
    text: str,
    located: dict,
) -> Issue | None:
    """When the title line `text` names `unit` only with its tones ignored («UBND XÃ CẨM
    VỊNH» for Xã Cẩm Vĩnh): `unit-name-tones`, a warning naming what was written and what
    was matched; `unit-ambiguous` when the name as written, tones included, is another
    unit's («XÃ THẠCH HÀ»: Huyện Thạch Hà, not Xã Thạch Hạ). None when spelt as registered."""
    written = other_tones(text, unit)
    if not written:
        return None
    sheet, cell = title_cell(grids, header, text, TITLE_ROWS)
    where = title_clue(grids, header, text, "đầu biểu", TITLE_ROWS)
    located = {**located, "sheet": sheet, "cell": cell}
    if others := spelled_as(registry, written):
        candidates = (
            f"«{written}» là tên của {some_of(others)}; {describe(unit)} chỉ khớp khi bỏ qua "
            "dấu thanh"
        )
        advice = "Hãy ghi đúng tên xã, đủ dấu, ở đầu biểu hoặc ghi mã đơn vị."
        return make_issue(
            "unit-ambiguous", **located, text=text, candidates=candidates, advice=advice
        )
    return make_issue(
        "unit-name-tones",
        **located,
        unit_code=unit.code,
        where=f"{where[:1].upper()}{where[1:]}",
        written=written,
        unit=describe(unit),
    )


def _province_folder_elsewhere(registry: Registry, folders: tuple[str, ...], unit: Unit) -> str:
    """The first folder naming a province of the registry, not the commune's, and not as
    part of the commune's own name (a folder «Hòa Bình» for Xã Hòa Bình); "" when none."""
    for folder in folders:
        provinces = registry.locate(Clues(folders=(folder,))).provinces
        if (
            provinces
            and unit.province not in provinces
            and fold(spaced(folder)) not in fold(unit.name)
        ):
            return folder
    return ""


def _tab_match(registry: Registry, tab: str, place: Place) -> UnitMatch:
    """The unit a sheet tab is named after: the whole tab is its name ("Cẩm Quang", "Xã Cẩm
    Quang"), not a word of it ("Biểu tự đánh giá" does not name «Xã Tư»)."""
    found = _match(registry, tab, place)
    name = fold(found.unit.name) if found.unit else ""
    if not name or fold(tab) not in (name, name.removeprefix(fold(found.unit.kind)).strip()):
        return UnitMatch(None, ())
    return found


_MATCHES: dict[tuple[int, str, Place], tuple[Registry, UnitMatch]] = {}
# Texts that name no unit at all, whatever the place: the place only chooses among the
# units a text names (lines such as «(Kèm theo Báo cáo số 46/BC-UBND …)» repeat from
# district to district).
_NAMELESS: dict[tuple[int, str], tuple[Registry, UnitMatch]] = {}


def _match(registry: Registry, text: str, place: Place = NOWHERE) -> UnitMatch:
    """`registry.match`, remembered for the process (title lines repeat from file to file)."""
    key = (id(registry), text, place)
    hit = _MATCHES.get(key) or _NAMELESS.get(key[:2])
    if hit is not None and hit[0] is registry:
        return hit[1]
    if len(_MATCHES) > 4096:
        _MATCHES.clear()
    found = registry.match(text, place)
    _MATCHES[key] = (registry, found)
    if not found.candidates and not place.elsewhere:
        if len(_NAMELESS) > 4096:
            _NAMELESS.clear()
        _NAMELESS[key[:2]] = (registry, found)
    return found


def _against_title(
    grids: list[Grid],
    header: Header | None,
    located: dict,
    unit: Unit,
    clue: tuple[str, str],
    ambiguous: tuple[str, UnitMatch],
) -> Issue | None:
    """`unit-ambiguous` when a code or a name (`clue`: where it is written, and what to
    call that) names a commune that none of the namesakes of the title's «UBND XÃ …» is:
    «UBND XÃ TÂN LẬP» in the title, Xã Cẩm Bình's code in the file name. None when it is
    one of them (the code tells them apart)."""
    line, match = ambiguous
    if unit in match.candidates or not commune_line([line]):
        return None
    sheet, cell = title_cell(grids, header, line, TITLE_ROWS)
    at = {**located, "sheet": sheet, "cell": cell}
    title = title_clue(grids, header, line, "đầu biểu", TITLE_ROWS)
    candidates = not_among(unit, clue[0], title, match.candidates)
    return _conflict_issue(line, [], at, fix_advice("đầu biểu", clue[1]), candidates)


def _conflict_issue(
    text: str, clues: list, located: dict, advice: str, candidates: str = ""
) -> Issue:
    """`unit-ambiguous` for clues naming different communes, saying which named which (or
    as `candidates` says) and which two to make agree."""
    candidates, text = candidates or conflicting(clues), shown(text, TEXT_SHOWN)
    return make_issue("unit-ambiguous", **located, text=text, candidates=candidates, advice=advice)


def _ambiguous_issue(text: str, match: UnitMatch, located: dict, advice: str = TELL_APART) -> Issue:
    names, text = some_of(match.candidates), shown(text, TEXT_SHOWN)
    return make_issue("unit-ambiguous", **located, text=text, candidates=names, advice=advice)


def _title_lines(grids: list[Grid], header: Header | None) -> list[tuple[str, list[object]]]:
    """Text lines of the title block: above the table's heading, else the first rows of
    each sheet. Each line is (joined text, its cell values)."""
    if header is not None:
        blocks = [(header.grid, range(min(header.top, TITLE_ROWS)))]
    else:
        blocks = [(grid, range(min(len(grid.rows), TITLE_ROWS))) for grid in grids]
    return [line for grid, rows in blocks for row in rows if (line := grid.line(row))]


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


def _sharper(match: UnitMatch, than: UnitMatch) -> bool:
    """Whether an ambiguous commune («UBND XÃ AN HIỆP») says more than an ambiguous district
    («UBND HUYỆN CHÂU THÀNH», in ten provinces) found before it."""
    return all(u.tier == COMMUNE for u in match.candidates) and any(
        u.tier != COMMUNE for u in than.candidates
    )


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
        elif match.ambiguous and (ambiguous is None or _sharper(match, ambiguous[1])):
            ambiguous = (text, match)
    return communes, districts, ambiguous
