"""The criteria catalogue: national criteria sets, regional thresholds and provincial layers.

The catalogue is data an office edits, not code: `workbooks/bo_tieu_chi.csv` (UTF-8 with BOM,
Vietnamese column names) or an .xlsx written by `export_catalog`. A row with an empty `tinh` is
national; a row naming a province belongs to that province's layer, which overrides the
national row with the same indicator code or adds a new indicator (Hà Tĩnh's criterion 20).
Thresholds are parsed once, at load, into `Rule`s; a threshold no rule can express is an error.

An indicator coded «N.x» (17.x) stands for criterion N's indicators where the catalogue does
not list them one by one: a submission's rows under N are then its parts (`unitemised`). Once
the criterion is itemised (17.1, 17.2 … rows, national or in a province's layer), its «N.x»
row means nothing and `Catalog.resolve` leaves it out.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl

from ntm_excel.atomic import atomic_path
from ntm_excel.errors import CatalogError, check_office_file
from ntm_excel.model import Status
from ntm_excel.styles import (
    FONT_NAME,
    HEADER_FORMAT,
    TEXT_ONLY,
    row_height,
    wrapped_lines,
    xlsx_output,
)
from ntm_excel.text import fold, nfc
from ntm_excel.values import clean_float

SHEET = "Bộ tiêu chí"
HELP_SHEET = "Hướng dẫn"
BAC_TRUNG_BO = "Bắc Trung Bộ"

COLUMNS = {
    "bo_tieu_chi": "mã bộ tiêu chí dạng cấp_nămđầu_nămcuối, chữ thường không dấu: xa_2016_2020 "
    "(xã, QĐ 1980/QĐ-TTg), huyen_2016_2020, xa_kieu_mau_2018_2020",
    "tinh": "để trống = chỉ tiêu quốc gia; ghi tên tỉnh (ví dụ Hà Tĩnh) = chỉ tiêu riêng của tỉnh",
    "tieu_chi": "số thứ tự tiêu chí (số nguyên: 1, 2, … 20)",
    "ten_tieu_chi": "tên tiêu chí, giống nhau ở mọi dòng của cùng một tiêu chí",
    "ma_chi_tieu": "mã chỉ tiêu, bắt đầu bằng số tiêu chí: 1.1, 1.2, 5, 17.1 …; 17.x = các chỉ "
    "tiêu của tiêu chí 17 khi bộ chưa liệt kê từng chỉ tiêu (dòng của xã 17.1, 17.2 … là "
    "chỉ tiêu con của nó)",
    "noi_dung": "nội dung chỉ tiêu",
    "don_vi_tinh": "đơn vị tính (%, triệu đồng/người/năm, Đạt/Không đạt …)",
    "chi_tieu_chung": "chỉ tiêu chung: ≥85, ≤21,8, 100, Đạt, Đạt (≥80%), Không, "
    "≥95 (trong đó ≥60 nước sạch) hoặc (chưa xác minh)",
    "chi_tieu_bac_trung_bo": "chỉ tiêu vùng Bắc Trung Bộ (để trống = dùng chỉ tiêu chung)",
    "so_sanh": "cách so sánh: >=, <=, =, >, <, Đạt, Không, Có",
    "nguon": "nguồn (văn bản, trang tin)",
    "da_xac_minh": "có = đã đối chiếu với nguồn; không = chưa xác minh, cần kiểm tra lại",
    "ghi_chu": "ghi chú",
}
_REQUIRED = ("bo_tieu_chi", "tieu_chi", "ten_tieu_chi", "ma_chi_tieu", "chi_tieu_chung")
_THRESHOLDS = ("chi_tieu_chung", "chi_tieu_bac_trung_bo")
_KEYS = {fold(name): name for name in COLUMNS}

_NUMERIC_OPS = {">=", "<=", "=", ">", "<"}
_OP_SIGNS = {"≥": ">=", "=>": ">=", "≤": "<=", "=<": "<="}
_TEXTS = {"dat": "Đạt", "khong": "Không", "co": "Có"}
_COMPARISONS = _NUMERIC_OPS | set(_TEXTS.values())
_OP = r"(?P<op>>=|<=|=>|=<|≥|≤|>|<|=)?"
_NUM = r"(?P<num>\d+(?:[.,]\d+)?)"
_NUMERIC = re.compile(rf"^{_OP}\s*{_NUM}\s*%?$")
_PART = re.compile(rf"^{_OP}\s*{_NUM}\s*%?\s*(?P<label>.*)$")
_COMPOSITE = re.compile(r"^(?P<main>[^(]+?)\s*\(\s*trong đó\s+(?P<parts>.+)\)$", re.IGNORECASE)
_QUALITATIVE = re.compile(r"^đạt\s*(?:\((?P<inner>.*)\))?$", re.IGNORECASE | re.DOTALL)
_UNVERIFIED = "chua xac minh"
_SET_ID = re.compile(r"[a-z]+(?:_[a-z]+)*_(?P<first>\d{4})_(?P<last>\d{4})")
_LITERALS = re.compile(r'"[^"]*"|\\.')  # quoted text and escaped characters of a number format
_EPSILON = 1e-9


@dataclass(frozen=True)
class Rule:
    """A threshold parsed once: how to judge a value that the reader has normalised."""

    text: str
    kind: str  # "numeric" | "qualitative" | "expected_text" | "unverified"
    op: str | None  # ">=", "<=", "=", ">", "<"; for "qualitative", an inner numeric check
    value: float | None
    expected: str | None  # "Đạt", "Không", "Có"
    parts: tuple[Rule, ...] = ()  # composite thresholds: sub-checks such as ≥60 "nước sạch"
    label: str = ""

    def evaluate(self, value: float | str | None) -> Status:
        """MET / NOT_MET where the value decides it, UNKNOWN otherwise.

        For a composite threshold only the main part is checked here; whoever has the
        sub-values checks `parts`.
        """
        if value is None or isinstance(value, bool) or self.kind == "unverified":
            return Status.UNKNOWN
        number = float(value) if isinstance(value, int | float) else None
        text = fold(value) if isinstance(value, str) else ""
        if self.kind == "numeric":
            return self._compare(number) if number is not None else Status.UNKNOWN
        if text == "dat":
            return Status.MET
        if text in ("chua dat", "khong dat"):
            return Status.NOT_MET
        if self.kind == "qualitative":
            return self._compare(number) if number is not None and self.op else Status.UNKNOWN
        if text in ("co", "khong"):
            return Status.MET if text == fold(self.expected or "") else Status.NOT_MET
        if number is not None and self.expected == "Không":  # "Nhà tạm, dột nát: 0"
            return Status.MET if number == 0 else Status.NOT_MET
        return Status.UNKNOWN

    def _compare(self, number: float) -> Status:
        if math.isnan(number) or self.value is None:
            return Status.UNKNOWN
        slack = _EPSILON * max(1.0, abs(self.value))
        met = {
            ">=": number >= self.value - slack,
            "<=": number <= self.value + slack,
            ">": number > self.value + slack,
            "<": number < self.value - slack,
            "=": abs(number - self.value) <= slack,
        }[self.op]
        return Status.MET if met else Status.NOT_MET


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _comparison(text: str) -> str:
    """The canonical comparison of a `so_sanh` cell; ValueError when unknown."""
    text = nfc(text)
    text = _OP_SIGNS.get(text, text)
    if text in _NUMERIC_OPS or not text:
        return text
    if fold(text) in _TEXTS:
        return _TEXTS[fold(text)]
    raise ValueError(
        f"cách so sánh «{text}» không hợp lệ; dùng một trong: >=, <=, =, >, <, Đạt, Không, Có"
    )


def _numeric(match: re.Match, comparison: str, text: str) -> tuple[str, float]:
    op = _OP_SIGNS.get(match["op"], match["op"]) if match["op"] else None
    if comparison and comparison not in _NUMERIC_OPS:
        raise ValueError(f"chỉ tiêu «{text}» là số nhưng cách so sánh là «{comparison}»")
    if op and comparison and op != comparison:
        raise ValueError(f"chỉ tiêu «{text}» mâu thuẫn với cách so sánh «{comparison}»")
    if not (op or comparison):
        raise ValueError(
            f"chỉ tiêu «{text}» thiếu dấu so sánh: ghi ≥{text} hoặc ≤{text}, hoặc điền cột so_sanh"
        )
    return op or comparison, _number(match["num"])


def parse_rule(text: str, comparison: str = "") -> Rule:
    """The rule of a threshold cell; ValueError (Vietnamese) when no rule can express it."""
    text = nfc(text)
    comparison = _comparison(comparison)
    if fold(text) == _UNVERIFIED:
        return Rule(text, "unverified", None, None, None)
    if not text:
        raise ValueError("thiếu chỉ tiêu (ghi (chưa xác minh) nếu chưa biết)")
    if match := _NUMERIC.match(text):
        op, value = _numeric(match, comparison, text)
        return Rule(text, "numeric", op, value, None)
    composite = _COMPOSITE.match(text)
    main = composite and _NUMERIC.match(composite["main"])
    parts = [_PART.match(part.strip()) for part in composite["parts"].split(";")] if main else []
    if parts and all(part and part["op"] and part["label"] for part in parts):
        op, value = _numeric(main, comparison, text)
        subrules = tuple(
            Rule(
                nfc(part[0]),
                "numeric",
                _OP_SIGNS.get(part["op"], part["op"]),
                _number(part["num"]),
                None,
                label=nfc(part["label"]),
            )
            for part in parts
        )
        return Rule(text, "numeric", op, value, None, parts=subrules)
    if match := _QUALITATIVE.match(text):
        if comparison not in ("", "Đạt"):
            raise ValueError(f"chỉ tiêu «{text}» là Đạt nhưng cách so sánh là «{comparison}»")
        inner = _NUMERIC.match(nfc(match["inner"] or ""))
        if inner and inner["op"]:
            op = _OP_SIGNS.get(inner["op"], inner["op"])
            return Rule(text, "qualitative", op, _number(inner["num"]), "Đạt")
        return Rule(text, "qualitative", None, None, "Đạt")
    if fold(text) in ("khong", "co"):
        expected = _TEXTS[fold(text)]
        if comparison not in ("", "=", expected):
            raise ValueError(f"chỉ tiêu «{text}» mâu thuẫn với cách so sánh «{comparison}»")
        return Rule(text, "expected_text", None, None, expected)
    raise ValueError(
        f"không hiểu chỉ tiêu «{text}»; ghi dạng ≥85, ≤21,8, 100, Đạt, Đạt (≥80%), Không, "
        "≥95 (trong đó ≥60 nước sạch) hoặc (chưa xác minh); chỉ tiêu diễn giải bằng lời thì "
        "ghi Đạt và chép lời vào cột noi_dung"
    )


@dataclass(frozen=True)
class Indicator:
    """One indicator of a criteria set, national or of a province's layer."""

    set_id: str
    province: str  # "" for a national row
    criterion_no: int
    criterion_name: str
    code: str
    text: str
    unit: str
    threshold_general: str
    threshold_bac_trung_bo: str
    comparison: str
    source: str
    verified: bool
    notes: str
    rule_general: Rule
    rule_bac_trung_bo: Rule

    def _regional(self, region: str) -> bool:
        return _is_bac_trung_bo(region) and bool(self.threshold_bac_trung_bo)

    def threshold_for(self, region: str) -> str:
        """The threshold text that applies in `region`."""
        return self.threshold_bac_trung_bo if self._regional(region) else self.threshold_general

    def rule_for(self, region: str) -> Rule:
        """The rule that applies in `region`."""
        return self.rule_bac_trung_bo if self._regional(region) else self.rule_general

    @property
    def placeholder(self) -> bool:
        """Whether the code is «N.x»: the criterion's indicators, not itemised here."""
        return is_placeholder(self.code)


PLACEHOLDER = "x"  # the sub-code of «17.x»


def is_placeholder(code: str) -> bool:
    """Whether an indicator code is «N.x» (17.x, 18.X)."""
    head, _, tail = code.partition(".")
    return head.isdigit() and tail.casefold() == PLACEHOLDER


def unitemised(indicators: Iterable[Indicator]) -> dict[int, Indicator]:
    """Criterion number → its «N.x» indicator, for each criterion that has no other
    indicator: the criteria whose indicators the catalogue does not list one by one."""
    by_criterion: dict[int, list[Indicator]] = {}
    for ind in indicators:
        by_criterion.setdefault(ind.criterion_no, []).append(ind)
    return {
        number: inds[0]
        for number, inds in by_criterion.items()
        if len(inds) == 1 and inds[0].placeholder
    }


@functools.lru_cache(maxsize=64)
def _is_bac_trung_bo(region: str) -> bool:
    return fold(region) == fold(BAC_TRUNG_BO)


LEVEL_SET_WORDS = {"nâng cao": "nang_cao", "kiểu mẫu": "kieu_mau"}


def is_level_set(set_id: str) -> bool:
    """Whether a set is an advanced or model commune set ("xa_nang_cao_2016_2020")."""
    return any(f"_{word}_" in set_id for word in LEVEL_SET_WORDS.values())


def district_set(catalog_set: str) -> str:
    """The district set of a commune set: "xa_2016_2020" → "huyen_2016_2020"."""
    if catalog_set.startswith("xa_"):
        return "huyen_" + catalog_set.removeprefix("xa_")
    return catalog_set


def province_key(province: str) -> str:
    """A folded province name without "Tỉnh"/"Thành phố": "Tỉnh Hà Tĩnh" → "ha tinh"."""
    return re.sub(r"^(tinh|thanh pho|tp) ", "", fold(province))


def code_key(code: str) -> tuple:
    """Natural order of indicator codes: 2.2 before 2.10, numbers before letters."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.split("."))


@dataclass(frozen=True)
class Catalog:
    """All criteria sets of a catalogue file."""

    indicators: tuple[Indicator, ...]
    path: Path | None = field(default=None, compare=False)

    def sets(self) -> list[str]:
        """Set ids in file order."""
        return list(dict.fromkeys(ind.set_id for ind in self.indicators))

    def provinces(self, set_id: str) -> list[str]:
        """Provinces that have a layer over `set_id`."""
        return list(
            dict.fromkeys(i.province for i in self.indicators if i.set_id == set_id and i.province)
        )

    def resolve(self, set_id: str, province: str = "") -> list[Indicator]:
        """National rows of the set with that province's layer applied, in criterion/code order;
        without the «N.x» row of a criterion that has other indicators (itemised)."""
        key = province_key(province) if province else ""
        chosen: dict[str, Indicator] = {}
        for ind in self.indicators:
            if ind.set_id == set_id and not ind.province:
                chosen.setdefault(ind.code, ind)
        if key:
            for ind in self.indicators:
                if ind.set_id == set_id and ind.province and province_key(ind.province) == key:
                    chosen[ind.code] = ind
        itemised = {ind.criterion_no for ind in chosen.values() if not ind.placeholder}
        kept = [i for i in chosen.values() if not (i.placeholder and i.criterion_no in itemised)]
        return sorted(kept, key=lambda i: (i.criterion_no, code_key(i.code)))

    def level_set(self, catalog_set: str, level: str) -> str | None:
        """The set for communes aiming at `level` ("nâng cao", "kiểu mẫu") alongside the basic
        set `catalog_set`: "xa_<nang_cao|kieu_mau>_<first>_<last>" whose years fall within the
        basic set's (xa_kieu_mau_2018_2020 for xa_2016_2020), the latest when several do."""
        word, years = LEVEL_SET_WORDS.get(level), _SET_ID.fullmatch(catalog_set)
        if word is None or years is None:
            return None
        prefix = catalog_set[: years.start("first")].removesuffix("_")
        found = []
        for set_id in self.sets():
            match = _SET_ID.fullmatch(set_id)
            if (
                match
                and set_id.startswith(f"{prefix}_{word}_")
                and years["first"] <= match["first"] <= match["last"] <= years["last"]
            ):
                found.append((match["last"], match["first"], set_id))
        return max(found)[2] if found else None

    def criteria(self, set_id: str, province: str = "") -> dict[int, str]:
        """Criterion number → name, for the set as resolved for `province`."""
        return {ind.criterion_no: ind.criterion_name for ind in self.resolve(set_id, province)}


class _Percent(float):
    """A number read from a cell with a percent number format: 0.85 shown as 85%."""


def _decimal_comma(number: float) -> str:
    """A number as the bundled catalogue writes it: 85, 24,2."""
    return format(Decimal(repr(clean_float(number))).normalize(), "f").replace(".", ",")


def _cell_text(value: object, threshold: bool = False) -> str:
    """The text of a cell; numbers in a threshold column on the 0–100 scale, decimal comma."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if threshold and isinstance(value, int | float):
        return _decimal_comma(value * 100 if isinstance(value, _Percent) else value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


def _is_percent_format(number_format: str | None) -> bool:
    """Whether Excel shows a number with this format ×100 with a % sign ("0%", "0.0%")."""
    return "%" in _LITERALS.sub("", number_format or "")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"Bộ tiêu chí {path}: không đọc được dạng UTF-8; trong Excel hãy lưu lại bằng "
            "«CSV UTF-8 (Comma delimited)» hoặc dùng tệp .xlsx"
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    yield from enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    """Rows of cell values; numbers formatted as percentages come back as `_Percent`."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise CatalogError(f"Bộ tiêu chí {path}: không mở được tệp ({exc})") from exc
    try:
        names = [n for n in workbook.sheetnames if n != HELP_SHEET] or workbook.sheetnames
        sheet = workbook[SHEET if SHEET in names else names[0]]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, [_xlsx_value(cell) for cell in row]
    finally:
        workbook.close()


def _xlsx_value(cell) -> object:
    value = cell.value
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return _Percent(value) if numeric and _is_percent_format(cell.number_format) else value


@dataclass(frozen=True)
class _Record:
    """One non-empty data row: its number, {column: text} and the percent-formatted columns."""

    number: int
    cells: dict[str, str]
    percent: frozenset[str]


def _records(path: Path) -> Iterator[_Record]:
    """Each non-empty data row of the file; CatalogError on bad headers."""
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    header: dict[int, str] | None = None
    for number, values in rows:
        if header is None:
            titles = [fold(_cell_text(value)) for value in values]
            header = {i: _KEYS[title] for i, title in enumerate(titles) if title in _KEYS}
            missing = [name for name in _REQUIRED if name not in header.values()]
            if missing:
                raise CatalogError(
                    f"Bộ tiêu chí {path}, dòng {number}: thiếu cột {', '.join(missing)} "
                    f"(dòng đầu phải là tên cột: {', '.join(COLUMNS)})"
                )
            continue
        raw = {name: values[i] if i < len(values) else None for i, name in header.items()}
        cells = {name: _cell_text(value, name in _THRESHOLDS) for name, value in raw.items()}
        if any(_cell_text(value) for value in values):
            percent = frozenset(name for name, value in raw.items() if isinstance(value, _Percent))
            yield _Record(number, cells, percent)
    if header is None:
        raise CatalogError(f"Bộ tiêu chí {path}: tệp trống")


def _verified(text: str) -> bool:
    key = fold(text)
    if key in ("co", "yes", "x", "da xac minh"):
        return True
    if key in ("khong", "no", "", "chua xac minh"):
        return False
    raise ValueError(f"giá trị «{text}» không hợp lệ; ghi có hoặc không")


def _set_id_problem(set_id: str) -> str | None:
    """Why `set_id` is not of the form <level>_<first year>_<last year>; None when it is."""
    match = _SET_ID.fullmatch(set_id)
    if match and match["first"] <= match["last"]:
        return None
    if match:
        return (
            f"mã bộ tiêu chí «{set_id}» có năm cuối {match['last']} trước năm đầu {match['first']}"
        )
    reason = (
        f"mã bộ tiêu chí «{set_id}» không hợp lệ; ghi dạng cấp_nămđầu_nămcuối bằng chữ thường "
        "không dấu, nối bằng dấu gạch dưới, ví dụ xa_2016_2020, huyen_2021_2025, "
        "xa_kieu_mau_2018_2020"
    )
    guess = fold(set_id).replace(" ", "_")
    if guess != set_id and _set_id_problem(guess) is None:
        reason += f" (có phải «{guess}»?)"
    return reason


def _decimal_fraction(rule: Rule) -> float | None:
    """A value of `rule` (or of its parts) between 0 and 1 exclusive, if any."""
    for value in (rule.value, *(part.value for part in rule.parts)):
        if value is not None and 0 < value < 1:
            return value
    return None


def _indicator(record: _Record) -> tuple[Indicator | None, list[tuple[str, str]]]:
    """The indicator of one record, or the (column, reason) problems found in it."""
    problems: list[tuple[str, str]] = []
    get = record.cells.get
    for name in _REQUIRED:
        if not get(name):
            problems.append((name, "ô này không được để trống"))
    if get("bo_tieu_chi") and (why := _set_id_problem(get("bo_tieu_chi"))):
        problems.append(("bo_tieu_chi", why))
    criterion_text = get("tieu_chi", "")
    criterion_no = int(criterion_text) if re.fullmatch(r"\d+", criterion_text) else None
    if criterion_text and criterion_no is None:
        problems.append(("tieu_chi", f"số tiêu chí «{criterion_text}» phải là số nguyên"))
    code = get("ma_chi_tieu", "").rstrip(".")
    if code and not re.fullmatch(r"\d+(\.[0-9A-Za-z]+)*", code):
        problems.append(("ma_chi_tieu", f"mã chỉ tiêu «{code}» không hợp lệ (ví dụ 1.1, 5, 17.2)"))
    elif code and criterion_no is not None and int(code.split(".")[0]) != criterion_no:
        problems.append(
            ("ma_chi_tieu", f"mã chỉ tiêu «{code}» không thuộc tiêu chí {criterion_no}")
        )
    comparison = ""
    try:
        comparison = _comparison(get("so_sanh", ""))
    except ValueError as exc:
        problems.append(("so_sanh", str(exc)))
    rules = {}
    percent_unit = get("don_vi_tinh", "").startswith("%")
    for column in _THRESHOLDS:
        if text := get(column, ""):
            try:
                rules[column] = parse_rule(text, comparison)
            except ValueError as exc:
                problems.append((column, str(exc)))
                continue
            explicit = column in record.percent or "%" in text
            if percent_unit and not explicit and (value := _decimal_fraction(rules[column])):
                problems.append(
                    (
                        column,
                        f"ngưỡng {_decimal_comma(value)} của chỉ tiêu tính bằng % có vẻ là tỷ lệ "
                        f"thập phân; hãy ghi {_decimal_comma(value * 100)}",
                    )
                )
    try:
        verified = _verified(get("da_xac_minh", ""))
    except ValueError as exc:
        problems.append(("da_xac_minh", str(exc)))
    if problems:
        return None, problems
    return Indicator(
        set_id=get("bo_tieu_chi"),
        province=get("tinh", ""),
        criterion_no=criterion_no,
        criterion_name=get("ten_tieu_chi"),
        code=code,
        text=get("noi_dung", ""),
        unit=get("don_vi_tinh", ""),
        threshold_general=get("chi_tieu_chung"),
        threshold_bac_trung_bo=get("chi_tieu_bac_trung_bo", ""),
        comparison=comparison,
        source=get("nguon", ""),
        verified=verified,
        notes=get("ghi_chu", ""),
        rule_general=rules["chi_tieu_chung"],
        rule_bac_trung_bo=rules.get("chi_tieu_bac_trung_bo", rules["chi_tieu_chung"]),
    ), []


def load_catalog(path: Path | str) -> Catalog:
    """Load and check the catalogue (.csv or .xlsx) at `path`.

    Every problem found is reported in one CatalogError, one line per row and column.
    """
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"Không tìm thấy bộ tiêu chí {path}")
    check_office_file(path, CatalogError, "Bộ tiêu chí")
    indicators: list[Indicator] = []
    errors: list[tuple[int, str, str]] = []  # (row, column, reason)
    seen: dict[tuple[str, str, str], int] = {}
    names: dict[tuple[str, int], tuple[str, int]] = {}
    national: set[str] = set()
    layers: list[tuple[int, str, str]] = []  # (row, set id, province) of province rows
    for record in _records(path):
        number, cells = record.number, record.cells
        set_id, province = cells["bo_tieu_chi"], cells.get("tinh")
        if set_id and _set_id_problem(set_id) is None:
            if province:
                layers.append((number, set_id, province))
            else:
                national.add(set_id)
        indicator, problems = _indicator(record)
        if indicator:
            key = (indicator.set_id, province_key(indicator.province), indicator.code)
            if key in seen:
                problems.append(
                    ("ma_chi_tieu", f"mã chỉ tiêu «{indicator.code}» trùng với dòng {seen[key]}")
                )
            seen.setdefault(key, number)
            name_key = (indicator.set_id, indicator.criterion_no)
            first_name, first_row = names.setdefault(name_key, (indicator.criterion_name, number))
            if first_name.casefold() != indicator.criterion_name.casefold():
                problems.append(
                    (
                        "ten_tieu_chi",
                        f"tên tiêu chí {indicator.criterion_no} «"
                        f"{indicator.criterion_name}» khác với «{first_name}» ở dòng {first_row}",
                    )
                )
        errors += [(number, col, why) for col, why in problems]
        if indicator and not problems:
            indicators.append(indicator)
    errors += [
        (
            number,
            "bo_tieu_chi",
            f"bộ tiêu chí «{set_id}» không có dòng quốc gia nào (cột tinh để trống) để lớp chỉ "
            f"tiêu của tỉnh {province} thay thế hoặc bổ sung; kiểm tra lại mã bộ tiêu chí",
        )
        for number, set_id, province in layers
        if set_id not in national and not is_level_set(set_id)  # advanced sets are provincial
    ]
    if errors:
        raise CatalogError(
            "\n".join(
                f"Bộ tiêu chí {path}, dòng {number}, cột {col}: {why}"
                for number, col, why in sorted(errors, key=lambda error: error[0])
            )
        )
    if not indicators:
        raise CatalogError(f"Bộ tiêu chí {path}: không có dòng chỉ tiêu nào")
    return Catalog(tuple(indicators), path)


def _row(ind: Indicator) -> list[object]:
    return [
        ind.set_id,
        ind.province,
        ind.criterion_no,
        ind.criterion_name,
        ind.code,
        ind.text,
        ind.unit,
        ind.threshold_general,
        ind.threshold_bac_trung_bo,
        ind.comparison,
        ind.source,
        "có" if ind.verified else "không",
        ind.notes,
    ]


def write_catalog_csv(catalog: Catalog, path: Path | str) -> None:
    """The catalogue as UTF-8-with-BOM CSV (the bundled form)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(_row(ind) for ind in catalog.indicators)


# Column widths (units of a digit): 181 in all, about 80 % on A4 landscape; long texts and
# the snake_case headings wrap (the loader reads the headings' values, not how they show).
_WIDTHS = (12, 6, 7, 15, 8, 34, 10, 13, 13, 7, 22, 8, 26)
LINE_POINTS = 14.5  # a line of 11-point Times New Roman
_HELP = [
    "BỘ TIÊU CHÍ NÔNG THÔN MỚI — HƯỚNG DẪN SỬA",
    "Trang «Bộ tiêu chí» là dữ liệu: mỗi dòng là một chỉ tiêu. Sửa trực tiếp rồi lưu lại dạng "
    ".xlsx; chương trình đọc lại tệp bằng tùy chọn --catalog TỆP (hoặc khai báo trong "
    "cau_hinh.toml). Không đổi tên cột, không chèn dòng trống ở đầu trang.",
    "Các cột:",
    *(f"• {name}: {meaning}" for name, meaning in COLUMNS.items()),
    "Lớp chỉ tiêu của tỉnh: thêm dòng có cột tinh = tên tỉnh. Nếu mã chỉ tiêu đã có ở dòng quốc "
    "gia cùng bộ tiêu chí thì dòng của tỉnh THAY THẾ chỉ tiêu quốc gia cho các đơn vị thuộc tỉnh "
    "đó; nếu là mã mới thì dòng đó BỔ SUNG chỉ tiêu (ví dụ Hà Tĩnh có tiêu chí 20 «Khu dân cư "
    "mẫu, vườn mẫu»).",
    "Cách ghi chỉ tiêu: ≥85 (từ 85 trở lên), ≤21,8 (không quá 21,8; dấu phẩy thập phân), 100 kèm "
    "so_sanh «=», Đạt, Đạt (≥80%), Không (ví dụ: không còn nhà tạm, dột nát), ≥98 (trong đó ≥60 "
    "nước sạch), (chưa xác minh). Chỉ tiêu diễn giải bằng lời thì ghi Đạt, so_sanh «Đạt» và chép "
    "lời vào cột noi_dung. Chỉ tiêu tính bằng % ghi 85 (hoặc gõ 85% trong Excel), không ghi "
    "0,85. Chương trình báo lỗi kèm số dòng nếu không hiểu một chỉ tiêu.",
    "Dòng có da_xac_minh = không (tô màu cam) là số liệu CHƯA được đối chiếu với văn bản gốc: hãy "
    "kiểm tra theo quyết định của Thủ tướng và của UBND tỉnh rồi sửa thành «có».",
]


def export_catalog(catalog: Catalog, path: Path | str) -> None:
    """Write the catalogue as an .xlsx an office edits and loads back with `load_catalog`."""
    font = {"font_name": FONT_NAME, "font_size": 11}  # as the office's other workbooks
    with xlsx_output(path, TEXT_ONLY | {"default_format_properties": font}) as workbook:
        head = workbook.add_format(HEADER_FORMAT)
        body = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
        unverified = workbook.add_format({"bg_color": "#FCE4D6", "font_color": "#9C3F00"})
        sheet = workbook.add_worksheet(SHEET)
        for col, (name, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True)):
            sheet.set_column(col, col, width, body)
            sheet.write_string(0, col, name, head)
        headings = zip(COLUMNS, _WIDTHS, strict=True)
        heading_lines = max(wrapped_lines(name, width / 1.1) for name, width in headings)
        sheet.set_row(0, LINE_POINTS * heading_lines + 4)  # bold headings, wrapped
        for row, ind in enumerate(catalog.indicators, start=1):
            values = _row(ind)
            for col, value in enumerate(values):
                if isinstance(value, int):
                    sheet.write_number(row, col, value, body)
                else:
                    sheet.write_string(row, col, value, body)
            lines = max(wrapped_lines(str(v), w) for v, w in zip(values, _WIDTHS, strict=True))
            sheet.set_row(row, LINE_POINTS * lines + 4)
        last = max(len(catalog.indicators), 1)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, last, len(COLUMNS) - 1)
        sheet.conditional_format(
            1,
            11,
            last + 500,
            11,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"không"',
                "format": unverified,
            },
        )
        sheet.data_validation(
            1,
            9,
            last + 500,
            9,
            {
                "validate": "list",
                "source": sorted(_COMPARISONS),
                "error_type": "warning",
                "error_message": "Cách so sánh: >=, <=, =, >, <, Đạt, Không, Có",
            },
        )
        sheet.data_validation(
            1,
            11,
            last + 500,
            11,
            {
                "validate": "list",
                "source": ["có", "không"],
            },
        )
        sheet.repeat_rows(0)
        guide = workbook.add_worksheet(HELP_SHEET)
        guide.set_column(0, 0, 120, workbook.add_format({"text_wrap": True, "valign": "top"}))
        bold = workbook.add_format({"bold": True, "font_size": 13})
        for row, line in enumerate(_HELP):
            guide.write_string(row, 0, line, bold if row == 0 else None)
            guide.set_row(row, row_height([(line, 120)]))
        for printed in (sheet, guide):  # A4 landscape, one page wide, as many pages tall
            printed.set_landscape()
            printed.set_paper(9)
            printed.fit_to_pages(1, 0)
            printed.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
            printed.set_footer(f"&L&8{printed.name}&R&8Trang &P/&N")
