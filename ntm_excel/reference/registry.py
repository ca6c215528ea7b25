"""The registry of reporting units (communes, towns and the district itself) and name matching.

Stored as an .xlsx an office edits (`workbooks/don_vi.xlsx`, Vietnamese column names, codes as
text). `build_registry` lists any district's units from the `vietnam-provinces` data (the
2021 three-level hierarchy). The bundled Cẩm Xuyên registry is reproduced with (the plan's own
spelling "Cẩm Vịnh" is kept on purpose: the tolerant match finds Xã Cẩm Vĩnh and the note says so)::

    ntm-excel registry build --province "Hà Tĩnh" --district "Cẩm Xuyên" \\
        --nang-cao "Cẩm Thành, Cẩm Lạc, Cẩm Quan, Cẩm Duệ, Cẩm Minh" \\
        --kieu-mau "Cẩm Bình, Cẩm Vịnh" \\
        --can-cu "Kế hoạch số 07-KH/BCĐ ngày 22/01/2021 của Ban chỉ đạo huyện" \\
        --email-mau -o workbooks/don_vi.xlsx

`Registry.match` finds the unit a text names (a title line, a file name, a code), tolerant of
case, diacritics, prefixes ("UBND", "xã", "TT") and spelling variants, and never guesses
between units that the text names equally well.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import vietnam_provinces
import xlsxwriter

from ntm_excel.atomic import atomic_path
from ntm_excel.errors import RegistryError
from ntm_excel.model import Unit
from ntm_excel.styles import HEADER_FORMAT, TEXT_ONLY, row_height
from ntm_excel.text import fold, is_email_address, nfc, shown

SHEET = "Đơn vị"
HELP_SHEET = "Hướng dẫn"
LEVELS = ("đạt chuẩn", "nâng cao", "kiểu mẫu")
COLUMNS = {
    "ma_don_vi": "mã đơn vị hành chính (mã Tổng cục Thống kê), ghi dạng chữ, ví dụ 18694",
    "ten_don_vi": "tên chính thức, ví dụ Xã Cẩm Thành",
    "loai": "xã, thị trấn, phường, huyện …",
    "huyen": "huyện (ví dụ Huyện Cẩm Xuyên)",
    "tinh": "tỉnh, không ghi chữ «Tỉnh» (ví dụ Hà Tĩnh)",
    "vung": "vùng để chọn chỉ tiêu theo vùng (ví dụ Bắc Trung Bộ); để trống = theo tỉnh",
    "muc_tieu": "mục tiêu: đạt chuẩn, nâng cao, kiểu mẫu; để trống nếu không đánh giá",
    "phai_nop": "có = phải nộp biểu tự đánh giá; không = không phải nộp",
    "nguoi_lien_he": "người liên hệ ở đơn vị",
    "email": "địa chỉ thư điện tử của đơn vị",
    "dien_thoai": "số điện thoại",
    "can_bo_phu_trach": "cán bộ huyện phụ trách đơn vị, nhiều người cách nhau bằng dấu «;»",
    "ghi_chu": "ghi chú",
}
_KEYS = {fold(name): name for name in COLUMNS}

# Folded words that name a unit's kind when written before its name.
_KIND_WORDS = {
    "xã": ("xa", "x"),
    "thị trấn": ("thi tran", "tt", "ttr"),
    "phường": ("phuong", "p"),
    "huyện": ("huyen", "h"),
    "thị xã": ("thi xa", "tx"),
    "thành phố": ("thanh pho", "tp"),
    "quận": ("quan", "q"),
}
_COMMUNE_LEVEL = {"xã", "thị trấn", "phường"}
_NOISE = ("cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc")
_WORD = re.compile(r"[^\W_]+")

# The seven NTM regions of the criteria sets (QĐ 1980/QĐ-TTg) and their provinces.
REGIONS = {
    "Trung du và miền núi phía Bắc": (
        "Hà Giang",
        "Cao Bằng",
        "Bắc Kạn",
        "Tuyên Quang",
        "Lào Cai",
        "Yên Bái",
        "Thái Nguyên",
        "Lạng Sơn",
        "Bắc Giang",
        "Phú Thọ",
        "Điện Biên",
        "Lai Châu",
        "Sơn La",
        "Hòa Bình",
    ),
    "Đồng bằng sông Hồng": (
        "Hà Nội",
        "Vĩnh Phúc",
        "Bắc Ninh",
        "Quảng Ninh",
        "Hải Dương",
        "Hải Phòng",
        "Hưng Yên",
        "Thái Bình",
        "Hà Nam",
        "Nam Định",
        "Ninh Bình",
    ),
    "Bắc Trung Bộ": (
        "Thanh Hóa",
        "Nghệ An",
        "Hà Tĩnh",
        "Quảng Bình",
        "Quảng Trị",
        "Thừa Thiên Huế",
    ),
    "Duyên hải Nam Trung Bộ": (
        "Đà Nẵng",
        "Quảng Nam",
        "Quảng Ngãi",
        "Bình Định",
        "Phú Yên",
        "Khánh Hòa",
        "Ninh Thuận",
        "Bình Thuận",
    ),
    "Tây Nguyên": ("Kon Tum", "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng"),
    "Đông Nam Bộ": (
        "Bình Phước",
        "Tây Ninh",
        "Bình Dương",
        "Đồng Nai",
        "Bà Rịa - Vũng Tàu",
        "Hồ Chí Minh",
    ),
    "Đồng bằng sông Cửu Long": (
        "Long An",
        "Tiền Giang",
        "Bến Tre",
        "Trà Vinh",
        "Vĩnh Long",
        "Đồng Tháp",
        "An Giang",
        "Kiên Giang",
        "Cần Thơ",
        "Hậu Giang",
        "Sóc Trăng",
        "Bạc Liêu",
        "Cà Mau",
    ),
}


def _province_key(name: str) -> str:
    return re.sub(r"^(tinh|thanh pho|tp) ", "", fold(name))


_REGION_OF = {_province_key(p): region for region, names in REGIONS.items() for p in names}


def _province_name(name: str) -> str:
    """A province name without "Tỉnh"/"Thành phố": "Tỉnh Hà Tĩnh" → "Hà Tĩnh"."""
    return re.sub(r"^(Tỉnh|Thành phố|TP\.?)\s+", "", nfc(name), flags=re.IGNORECASE)


def region_of(province: str) -> str:
    """The NTM region of a province ("Hà Tĩnh" or "Tỉnh Hà Tĩnh" → "Bắc Trung Bộ")."""
    try:
        return _REGION_OF[_province_key(province)]
    except KeyError:
        raise RegistryError(f"Không biết tỉnh «{province}» thuộc vùng nào") from None


def _split_kind(name: str, kind: str = "") -> tuple[str, str]:
    """(kind, base name) of an official name: "Xã Cẩm Thành" → ("xã", "Cẩm Thành")."""
    name = nfc(name)
    for candidate in sorted([kind] if kind else _KIND_WORDS, key=len, reverse=True):
        words = len(candidate.split())
        if fold(" ".join(name.split()[:words])) == fold(candidate):
            return candidate, " ".join(name.split()[words:])
    return kind, name


def file_stem(unit: Unit) -> str:
    """A file name for a unit without diacritics: "Xã Cẩm Thành" → "xa_cam_thanh"."""
    return fold(unit.name).replace(" ", "_")


@dataclass(frozen=True)
class UnitMatch:
    """The unit a text names; `unit` is None when there is none or several (`candidates`)."""

    unit: Unit | None
    candidates: tuple[Unit, ...]  # >1 means ambiguous

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


class Registry:
    """The units an office collects from, with tolerant lookup by code or name."""

    def __init__(
        self,
        units: Iterable[Unit],
        notes: Mapping[str, str] | None = None,
        path: Path | None = None,
    ) -> None:
        self.units: tuple[Unit, ...] = tuple(units)
        self.notes: dict[str, str] = {code: note for code, note in (notes or {}).items() if note}
        self.path = path
        self._by_code = {unit.code: unit for unit in self.units}
        kinds = {unit.kind for unit in self.units} | {"xã", "thị trấn", "huyện"}
        self._kind_words = sorted(
            ((tuple(w.split()), k) for k in kinds for w in _KIND_WORDS.get(k, ())),
            key=lambda item: -len(item[0]),
        )
        # names indexed by their first folded word, so a match costs O(words in the text)
        self._names: dict[str, list[tuple[Unit, tuple[str, ...], tuple[str, ...]]]] = {}
        for unit in self.units:
            base = _split_kind(unit.name, unit.kind)[1]
            words = tuple(_WORD.findall(base))
            name = tuple(fold(w) for w in words)
            if name:
                spelled = tuple(w.casefold() for w in words)
                self._names.setdefault(name[0], []).append((unit, name, spelled))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Registry):
            return NotImplemented
        return self.units == other.units and self.notes == other.notes

    def __repr__(self) -> str:
        return f"Registry({len(self.units)} đơn vị)"

    def get(self, code: str) -> Unit | None:
        return self._by_code.get(str(code).strip())

    def expected(self) -> list[Unit]:
        """Units that must submit a self-assessment."""
        return [unit for unit in self.units if unit.expected]

    def match(self, text: str) -> UnitMatch:
        """The unit named in `text`: a GSO code, or a name in any spelling.

        A code wins. Otherwise unit names are searched as whole words in the text; a longer
        name, a kind word that fits ("xã", "TT", "huyện"), a commune-level unit when the kinds
        are written ("UBND HUYỆN … UBND XÃ …" names the commune) and an exact spelling with
        diacritics rank higher, in that order. Units that rank equal are all returned as
        candidates, with `unit` None.
        """
        words = _WORD.findall(nfc(text or ""))
        if words and fold(words[-1]) in ("xlsx", "xls", "xlsm", "ods", "csv", "pdf"):
            words.pop()
        folded = [fold(w) for w in words]
        exact = [w.casefold() for w in words]
        by_code = {
            self._by_code[w] for w in folded if w.isdigit() and len(w) >= 3 and w in self._by_code
        }
        if by_code:
            return _result(list(by_code))
        joined = " ".join(folded)
        for noise in _NOISE:  # the national motto contains "xã" and names like "Cộng Hòa"
            joined = joined.replace(noise, " ".join("·" * len(noise.split())))
        folded = joined.split()
        scores: dict[str, tuple[int, bool, int, bool]] = {}
        for start, first in enumerate(folded):
            for unit, name, spelled in self._names.get(first, ()):
                size = len(name)
                if tuple(folded[start : start + size]) != name:
                    continue
                kind = self._kind_before(folded, start)
                if kind and kind != unit.kind:
                    continue
                if not kind and all(w.isdigit() for w in name):  # "Phường 1" needs its kind
                    continue
                level = (2 if unit.kind in _COMMUNE_LEVEL else 1) if kind else 0
                score = (size, bool(kind), level, tuple(exact[start : start + size]) == spelled)
                scores[unit.code] = max(score, scores.get(unit.code, score))
        if not scores:
            return UnitMatch(None, ())
        best = max(scores.values())
        return _result([self._by_code[code] for code, score in scores.items() if score == best])

    def _kind_before(self, folded: list[str], start: int) -> str:
        for words, kind in self._kind_words:
            if start >= len(words) and tuple(folded[start - len(words) : start]) == words:
                return kind
        return ""


def _result(units: list[Unit]) -> UnitMatch:
    units.sort(key=lambda unit: (len(unit.code), unit.code))
    return UnitMatch(units[0] if len(units) == 1 else None, tuple(units))


@functools.cache
def _divisions() -> tuple[dict, ...]:
    path = Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def _base_key(name: str) -> str:
    return fold(_split_kind(name)[1])


def _find(items: Iterable[dict], text: str, what: str, key=_base_key) -> dict:
    items = list(items)
    found = [d for d in items if fold(d["name"]) == fold(text)]
    found = found or [d for d in items if key(d["name"]) == key(text)]
    if len(found) == 1:
        return found[0]
    if found:
        names = "; ".join(d["name"] for d in found)
        raise RegistryError(
            f"«{text}» khớp với nhiều {what}: {names}. Hãy ghi rõ loại, ví dụ «{found[0]['name']}»"
        )
    raise RegistryError(f"Không tìm thấy {what} «{text}» trong danh mục hành chính (2021)")


def build_registry(
    province: str,
    district: str,
    *,
    targets: Mapping[str, str] | None = None,
    target_source: str = "",
    example_emails: bool = False,
) -> Registry:
    """The units of a district as in the 2021 hierarchy of `vietnam-provinces`.

    Communes (xã) must submit and aim at "đạt chuẩn" unless `targets` (unit name or code →
    level) says otherwise; towns and wards are not assessed on commune criteria. The district
    itself is listed first, not expected, for its own self-assessment. `target_source` names
    the document the targets come from; `example_emails` fills reserved example.org addresses.
    """
    prov = _find(_divisions(), province, "tỉnh", key=_province_key)
    dist = _find(prov["districts"], district, "huyện")
    province_name = _province_name(prov["name"])
    region = region_of(province_name)
    domain = fold(_split_kind(dist["name"])[1]).replace(" ", "")
    units: list[Unit] = []
    notes: dict[str, str] = {}
    for item in [dist, *dist["wards"]]:
        kind = item["division_type"]
        is_district = item is dist
        commune = kind == "xã"
        base = fold(_split_kind(item["name"], kind)[1]).replace(" ", "")
        prefix = {"xã": "", "thị trấn": "tt", "phường": "p"}.get(kind, "")
        email = f"vpdp.ntm@{domain}" if is_district else f"ubnd.{prefix}{base}@{domain}"
        units.append(
            Unit(
                code=str(item["code"]),
                name=item["name"],
                kind=kind,
                district=dist["name"],
                province=province_name,
                region=region,
                target_level="đạt chuẩn" if commune or is_district else "",
                expected=commune,
                email=f"{email}.example.org" if example_emails else "",
            )
        )
        if is_district:
            notes[units[-1].code] = (
                "Dòng của chính huyện: dùng cho biểu tự đánh giá theo bộ tiêu chí huyện nông thôn "
                "mới; không tính vào số đơn vị phải nộp."
            )
        elif not commune:
            notes[units[-1].code] = (
                f"{kind.capitalize()} không đánh giá theo bộ tiêu chí xã nông thôn mới nên không "
                "phải nộp biểu tự đánh giá."
            )
    registry = Registry(units, notes)
    for text, level in (targets or {}).items():
        units, notes = _apply_target(registry, text, level, target_source)
        registry = Registry(units, notes)
    return registry


def _apply_target(
    registry: Registry, text: str, level: str, source: str
) -> tuple[list[Unit], dict[str, str]]:
    if level not in LEVELS:
        raise RegistryError(f"Mục tiêu «{level}» không hợp lệ; dùng: {', '.join(LEVELS)}")
    found = registry.match(text)
    if found.unit is None or found.unit.kind != "xã":
        detail = ", ".join(u.name for u in found.candidates) or "không có xã nào"
        raise RegistryError(f"Không xác định được xã «{text}» để đặt mục tiêu ({detail})")
    unit = found.unit
    note = f"Mục tiêu: xã nông thôn mới {level}" + (f" theo {source}" if source else "")
    spelled = nfc(text).casefold()
    if spelled not in (unit.name.casefold(), _split_kind(unit.name, unit.kind)[1].casefold()):
        note += f"; văn bản ghi «{nfc(text)}»"
    notes = dict(registry.notes, **{unit.code: note + "."})
    units = [replace(u, target_level=level) if u is unit else u for u in registry.units]
    return units, notes


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


def load_registry(path: Path | str) -> Registry:
    """Load the registry workbook at `path`."""
    path = Path(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise RegistryError(f"Không tìm thấy danh sách đơn vị {path}") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise RegistryError(f"Không mở được danh sách đơn vị {path}: {exc}") from exc
    try:
        names = [n for n in workbook.sheetnames if n != HELP_SHEET] or workbook.sheetnames
        rows = list(workbook[SHEET if SHEET in names else names[0]].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise RegistryError(f"Danh sách đơn vị {path}: trang tính trống")
    header = {i: _KEYS[fold(_text(c))] for i, c in enumerate(rows[0]) if fold(_text(c)) in _KEYS}
    missing = [c for c in ("ma_don_vi", "ten_don_vi", "loai") if c not in header.values()]
    if missing:
        raise RegistryError(f"Danh sách đơn vị {path}, dòng 1: thiếu cột {', '.join(missing)}")
    units: list[Unit] = []
    notes: dict[str, str] = {}
    errors: list[str] = []
    rows_of: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        rec = {name: _text(cells[i]) if i < len(cells) else "" for i, name in header.items()}
        if "can_bo_phu_trach" in rec:  # one official per line is as good as "; "
            column = next(i for i, name in header.items() if name == "can_bo_phu_trach")
            rec["can_bo_phu_trach"] = _text(str(cells[column] or "").replace("\n", ";"))
        if not any(rec.values()):
            continue
        problems, unit = _unit(rec)
        if unit and unit.code in rows_of:
            problems.append(("ma_don_vi", f"mã {unit.code} trùng với dòng {rows_of[unit.code]}"))
        errors += [f"Danh sách đơn vị {path}, dòng {number}, cột {c}: {why}" for c, why in problems]
        if unit and not problems:
            rows_of[unit.code] = number
            units.append(unit)
            notes[unit.code] = rec.get("ghi_chu", "")
    if errors:
        raise RegistryError("\n".join(errors))
    return Registry(units, notes, path)


def _unit(rec: dict[str, str]) -> tuple[list[tuple[str, str]], Unit | None]:
    problems: list[tuple[str, str]] = []
    code, name = rec.get("ma_don_vi", ""), rec.get("ten_don_vi", "")
    if not re.fullmatch(r"\d+", code):
        problems.append(
            ("ma_don_vi", f"mã đơn vị «{code}» phải là dãy chữ số (mã Tổng cục Thống kê)")
        )
    if not name:
        problems.append(("ten_don_vi", "thiếu tên đơn vị"))
    kind = next((k for k in _KIND_WORDS if fold(k) == fold(rec.get("loai", ""))), None)
    if kind is None:
        problems.append(
            ("loai", f"loại «{rec.get('loai', '')}» không hợp lệ; dùng: {', '.join(_KIND_WORDS)}")
        )
    level = rec.get("muc_tieu", "")
    level = next((lv for lv in LEVELS if fold(lv) == fold(level)), level)
    if level and level not in LEVELS:
        problems.append(("muc_tieu", f"mục tiêu «{level}» không hợp lệ; dùng: {', '.join(LEVELS)}"))
    submit = fold(rec.get("phai_nop", ""))
    if submit not in ("co", "khong", ""):
        problems.append(("phai_nop", f"ghi có hoặc không (đang ghi «{rec['phai_nop']}»)"))
    email = rec.get("email", "")
    if email and not is_email_address(email):
        problems.append(("email", f"địa chỉ thư «{shown(email)}» không hợp lệ"))
    province = rec.get("tinh", "")
    region = rec.get("vung", "")
    if not region and province:
        try:
            region = region_of(province)
        except RegistryError as exc:
            problems.append(("vung", str(exc)))
    if problems:
        return problems, None
    supervisors = tuple(
        s for s in (nfc(p) for p in rec.get("can_bo_phu_trach", "").split(";")) if s
    )
    return [], Unit(
        code=code,
        name=name,
        kind=kind,
        district=rec.get("huyen", ""),
        province=_province_name(province),
        region=region,
        target_level=level,
        expected=submit == "co" if submit else kind == "xã",
        contact_name=rec.get("nguoi_lien_he", ""),
        email=email,
        phone=rec.get("dien_thoai", ""),
        supervisors=supervisors,
    )


def _row(unit: Unit, note: str) -> list[str]:
    return [
        unit.code, unit.name, unit.kind, unit.district, unit.province, unit.region,
        unit.target_level, "có" if unit.expected else "không", unit.contact_name, unit.email,
        unit.phone, "; ".join(unit.supervisors), note,
    ]  # fmt: skip


_WIDTHS = (10, 22, 10, 18, 10, 15, 11, 9, 20, 36, 14, 30, 60)


def write_registry(registry: Registry, path: Path | str) -> None:
    """Write the registry as a styled .xlsx (codes as text) that `load_registry` reads back."""
    with atomic_path(path) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), TEXT_ONLY)
        head = workbook.add_format(HEADER_FORMAT)
        body = workbook.add_format({"valign": "top", "text_wrap": True, "border": 1})
        code = workbook.add_format({"valign": "top", "num_format": "@", "border": 1})
        sheet = workbook.add_worksheet(SHEET)
        for col, (name, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True)):
            sheet.set_column(col, col, width, code if col == 0 else body)
            sheet.write_string(0, col, name, head)
        for row, unit in enumerate(registry.units, start=1):
            values = _row(unit, registry.notes.get(unit.code, ""))
            for col, value in enumerate(values):
                sheet.write_string(row, col, value, code if col == 0 else body)
            sheet.set_row(row, row_height(zip(values, _WIDTHS, strict=True)))
        last = max(len(registry.units), 1)
        sheet.freeze_panes(1, 2)
        sheet.autofilter(0, 0, last, len(COLUMNS) - 1)
        lists = {2: list(_KIND_WORDS), 6: list(LEVELS), 7: ["có", "không"]}
        for col, values in lists.items():
            sheet.data_validation(1, col, last + 200, col, {"validate": "list", "source": values})
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.repeat_rows(0)
        sheet.fit_to_pages(1, 0)
        guide = workbook.add_worksheet(HELP_SHEET)
        guide.set_column(0, 0, 120, workbook.add_format({"text_wrap": True, "valign": "top"}))
        lines = [
            "DANH SÁCH ĐƠN VỊ — HƯỚNG DẪN",
            "Mỗi dòng của trang «Đơn vị» là một đơn vị báo cáo. Sửa trực tiếp rồi lưu lại dạng "
            ".xlsx; không đổi tên cột. Mã đơn vị ghi dạng chữ (giữ nguyên số 0 ở đầu nếu có).",
            *(f"• {name}: {meaning}" for name, meaning in COLUMNS.items()),
        ]
        bold = workbook.add_format({"bold": True, "font_size": 13})
        for row, line in enumerate(lines):
            guide.write_string(row, 0, line, bold if row == 0 else None)
            guide.set_row(row, row_height([(line, 120)]))
        workbook.close()
