"""The registry of reporting units (communes, towns, districts, provinces) and name matching.

Stored as an .xlsx an office edits (`workbooks/don_vi.xlsx`, Vietnamese column names, codes as
text). `build_registry` lists the units of a district, a province or the whole country from
the `vietnam-provinces` data (the 2021 three-level hierarchy; GSO codes of 5 digits for a
commune, 3 for a district, 2 for a province). The bundled Cẩm Xuyên registry is reproduced
with (the plan's own spelling "Cẩm Vịnh" is kept on purpose: the tolerant match finds Xã Cẩm
Vĩnh and the note says so)::

    ntm-excel registry build --province "Hà Tĩnh" --district "Cẩm Xuyên" \\
        --nang-cao "Cẩm Thành, Cẩm Lạc, Cẩm Quan, Cẩm Duệ, Cẩm Minh" \\
        --kieu-mau "Cẩm Bình, Cẩm Vịnh" \\
        --can-cu "Kế hoạch số 07-KH/BCĐ ngày 22/01/2021 của Ban chỉ đạo huyện" \\
        --email-mau -o workbooks/don_vi.xlsx

`Registry.match` finds the unit a text names (a title line, a file name, a code), tolerant of
case, diacritics, prefixes ("UBND", "xã", "TT") and spelling variants. A name that several
units bear ("Xã Tân Lập" is in 23 districts) is resolved by where the submission says it comes
from (`Clues` → `Registry.locate` → `Place`: its title block's "UBND HUYỆN …" and "UBND TỈNH
…" lines, its folders, its sender); what stays ambiguous is returned as candidates, never
guessed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from email.utils import parseaddr
from pathlib import Path

import vietnam_provinces
from python_calamine import CalamineWorkbook
from rapidfuzz import fuzz, process

from ntm_excel import model
from ntm_excel import text as text_rules
from ntm_excel.atomic import atomic_path
from ntm_excel.errors import RegistryError, check_office_file
from ntm_excel.fingerprint import code_fingerprint
from ntm_excel.model import COMMUNE, DISTRICT, PROVINCE, Unit
from ntm_excel.styles import HEADER_FORMAT, TEXT_ONLY, row_height, xlsx_output
from ntm_excel.text import fold, folded, is_email_address, nfc, shown

SHEET = "Đơn vị"
HELP_SHEET = "Hướng dẫn"
HEADING_ROWS = 10  # the rows searched for the headings (a title block may come first)
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
    "tỉnh": ("tinh",),
    "thành phố trung ương": ("thanh pho", "tp"),
}
# How an official name begins when not with its kind: "Thành phố Hà Nội".
_NAME_PREFIX = {"thành phố trung ương": "thành phố"}
_TIER_RANK = {COMMUNE: 2, DISTRICT: 1, PROVINCE: 0}
_NOISE = ("cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc")
_WORD = re.compile(r"[^\W_]+")
_SUFFIXES = ("xlsx", "xls", "xlsm", "ods", "csv", "pdf")
NEAR = 80  # how close (rapidfuzz ratio, 0–100) a misspelt name is to a unit's it may mean

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


@functools.lru_cache(maxsize=256)
def region_of(province: str) -> str:
    """The NTM region of a province ("Hà Tĩnh" or "Tỉnh Hà Tĩnh" → "Bắc Trung Bộ")."""
    try:
        return _REGION_OF[_province_key(province)]
    except KeyError:
        raise RegistryError(f"Không biết tỉnh «{province}» thuộc vùng nào") from None


def _split_kind(name: str, kind: str = "") -> tuple[str, str]:
    """(kind, base name) of an official name: "Xã Cẩm Thành" → ("xã", "Cẩm Thành")."""
    name = nfc(name)
    if kind:
        prefixes = [_NAME_PREFIX.get(kind, kind)]
    else:
        prefixes = sorted(_KIND_WORDS, key=len, reverse=True)
    for prefix in prefixes:
        words = len(prefix.split())
        if fold(" ".join(name.split()[:words])) == fold(prefix):
            return kind or prefix, " ".join(name.split()[words:])
    return kind, name


def file_stem(unit: Unit) -> str:
    """A file name for a unit without diacritics: "Xã Cẩm Thành" → "xa_cam_thanh"."""
    return fold(unit.name).replace(" ", "_")


def describe(unit: Unit) -> str:
    """A unit with where it is and its code: "Xã Tân Lập (Huyện Đan Phượng, Hà Nội; mã 09…)"."""
    if unit.tier == PROVINCE:
        return f"{unit.name} (mã {unit.code})"
    where = unit.district if unit.tier == COMMUNE and unit.district else ""
    where = ", ".join(filter(None, (where, unit.province)))
    return f"{unit.name} ({where}; mã {unit.code})" if where else f"{unit.name} (mã {unit.code})"


def district_key(unit: Unit) -> tuple[str, str]:
    """(province, district name) of the district a unit is in, or is: names repeat across
    provinces ("Huyện Châu Thành"), the pair does not."""
    return unit.province, unit.name if unit.tier == DISTRICT else unit.district


@dataclass(frozen=True)
class UnitMatch:
    """The unit a text names; `unit` is None when there is none or several (`candidates`)."""

    unit: Unit | None
    candidates: tuple[Unit, ...]  # >1 means ambiguous

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


@dataclass(frozen=True)
class Clues:
    """What a submission says about where it comes from, besides its unit's name.

    `lines`: texts that may name its district or province (the title block: "UBND HUYỆN CẨM
    XUYÊN", "UBND TỈNH HÀ TĨNH"); `folders`: the names of the folders holding the file,
    innermost first (a provincial office keeps one folder per district); `file_name`: the
    file's own name («Tân Lập - Đan Phượng - Hà Nội.xlsx»); `sender`: the mail address it
    came from ("Tên <dia.chi@…>" or the bare address).
    """

    lines: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    sender: str = ""
    file_name: str = ""


@dataclass(frozen=True)
class Place:
    """Where the clues put a submission: districts as (province, district name), provinces,
    and the codes of the units whose address sent it. Empty sets say nothing. `outside`: the
    districts and provinces of the country, not the registry's, that a clue names with its
    kind ("UBND HUYỆN THẠCH HÀ" read against Nghệ An's registry), as (the clue's text, the
    place described): when the clues name nothing else, the submission is from elsewhere
    and a namesake in the registry is not its unit."""

    districts: frozenset[tuple[str, str]] = frozenset()
    provinces: frozenset[str] = frozenset()
    senders: frozenset[str] = frozenset()
    outside: frozenset[tuple[str, str]] = frozenset()

    @property
    def elsewhere(self) -> bool:
        """Whether the clues put the submission only outside the registry."""
        return bool(self.outside) and not (self.districts or self.provinces or self.senders)


NOWHERE = Place()


@dataclass(frozen=True)
class _Hit:
    """One place in a text where a unit's name is written."""

    unit: Unit
    start: int  # word position in the text
    size: int  # words in the name
    kind_written: bool  # a kind word that fits stands before the name ("xã", "TT", "huyện")
    exact: bool  # spelled with the registry's diacritics


class _NameIndex:
    """Units by the folded words of their names, and by a name's first word the lengths of
    the names it begins (most words of a text begin none: they are passed over at once)."""

    def __init__(self) -> None:
        self._units: dict[tuple[str, ...], list[tuple[Unit, tuple[str, ...]]]] = {}
        self._sizes: dict[str, list[int]] = {}

    def add(self, name: tuple[str, ...], unit: Unit, spelled: tuple[str, ...]) -> None:
        self._units.setdefault(name, []).append((unit, spelled))
        sizes = self._sizes.setdefault(name[0], [])
        if len(name) not in sizes:
            sizes.append(len(name))
            sizes.sort()

    def has(self, name: tuple[str, ...]) -> bool:
        """Whether some unit bears exactly this name (folded words)."""
        return name in self._units

    def find(self, words: list[str]) -> Iterator[tuple[int, int, tuple[str, ...], Unit, tuple]]:
        """(start, size, name, unit, its spelling) of every name written in `words`."""
        for start in range(len(words)):
            for size in self._sizes.get(words[start], ()):
                if start + size > len(words):
                    break
                name = tuple(words[start : start + size])
                for unit, spelled in self._units.get(name, ()):
                    yield start, size, name, unit, spelled


# A rule keeps the hits it prefers; the rules run in order and never keep none.
Rule = Callable[[list[_Hit]], list[_Hit]]


def _prefer(hits: list[_Hit], key: Callable[[_Hit], object]) -> list[_Hit]:
    """The hits with the highest `key`."""
    best = max(key(hit) for hit in hits)
    return [hit for hit in hits if key(hit) == best]


def _keep_if_any(hits: list[_Hit], test: Callable[[_Hit], bool]) -> list[_Hit]:
    """The hits passing `test`, or all of them when none does (a clue that does not help)."""
    return [hit for hit in hits if test(hit)] or hits


def longest_name(hits: list[_Hit]) -> list[_Hit]:
    """ "Nam Phúc Thăng" over "Phúc Thăng" when the text says "Nam Phúc Thăng"."""
    return _prefer(hits, lambda hit: hit.size)


def kind_written(hits: list[_Hit]) -> list[_Hit]:
    """A name written after its kind word ("xã Cẩm Xuyên" is not "huyện Cẩm Xuyên")."""
    return _prefer(hits, lambda hit: hit.kind_written)


def commune_first(hits: list[_Hit]) -> list[_Hit]:
    """With kinds written, "UBND HUYỆN CẨM XUYÊN UBND XÃ CẨM LẠC" names the commune; a
    province comes last."""
    return _prefer(hits, lambda hit: _TIER_RANK[hit.unit.tier] if hit.kind_written else 0)


def in_place(place: Place) -> Rule:
    """Units from the sender's address, then in the place's districts, then provinces."""

    def rule(hits: list[_Hit]) -> list[_Hit]:
        hits = _keep_if_any(hits, lambda hit: hit.unit.code in place.senders)
        hits = _keep_if_any(hits, lambda hit: district_key(hit.unit) in place.districts)
        return _keep_if_any(hits, lambda hit: hit.unit.province in place.provinces)

    return rule


def exact_spelling(hits: list[_Hit]) -> list[_Hit]:
    """ "Cẩm Thành" over "Cẩm Thạnh" when the text is spelled with diacritics."""
    return _prefer(hits, lambda hit: hit.exact)


# A unit's name as `Registry.match` looks it up: its words folded, and as spelled (casefolded).
NameKey = tuple[tuple[str, ...], tuple[str, ...]]


def name_key(unit: Unit) -> NameKey | None:
    """The words of a unit's name without its kind («Xã Cẩm Thành» → cam thanh), folded and
    as spelled; None for a name of no words."""
    words = tuple(_WORD.findall(_split_kind(unit.name, unit.kind)[1]))
    if not words:
        return None
    return tuple(fold(w) for w in words), tuple(w.casefold() for w in words)


class Registry:
    """The units an office collects from, with tolerant lookup by code or name."""

    def __init__(
        self,
        units: Iterable[Unit],
        notes: Mapping[str, str] | None = None,
        path: Path | None = None,
        names: Sequence[NameKey | None] | None = None,
    ) -> None:
        """`names`: each unit's `name_key`, when known already (kept with the units by
        `load_registry`); else they are worked out here."""
        self.units: tuple[Unit, ...] = tuple(units)
        self.notes: dict[str, str] = {code: note for code, note in (notes or {}).items() if note}
        self.path = path
        self._by_code = {unit.code: unit for unit in self.units}
        self._by_email = {unit.email.casefold(): unit for unit in self.units if unit.email}
        kinds = {unit.kind for unit in self.units} | {"xã", "thị trấn", "huyện"}
        words: dict[tuple[str, ...], set[str]] = {}
        for kind in kinds:
            for written in _KIND_WORDS.get(kind, ()):
                words.setdefault(tuple(written.split()), set()).add(kind)
        self._kind_words = words
        self._kind_sizes = sorted({len(written) for written in words}, reverse=True)
        self._kind_phrases = [written for written in words if len(written) > 1]
        # names by their folded words, so a match costs a few look-ups per word of the text;
        # districts and provinces also on their own, to read where a file comes from
        self._names = _NameIndex()
        self._place_names = _NameIndex()
        if names is None or len(names) != len(self.units):
            names = [name_key(unit) for unit in self.units]
        self.names: tuple[NameKey | None, ...] = tuple(names)
        for unit, key in zip(self.units, self.names, strict=True):
            if key is not None:
                name, spelled = key
                self._names.add(name, unit, spelled)
                if unit.tier != COMMUNE:
                    self._place_names.add(name, unit, spelled)
        # text → the places it names (the registry's; the country's others)
        self._places: dict[str, tuple[frozenset[Unit], frozenset[Unit]]] = {}
        self._provinces = {_province_key(unit.province) for unit in self.units}
        places = {  # each district once: folding every commune's is 0.25 s at the country's
            (u.province, u.district if u.tier == COMMUNE else u.name)
            for u in self.units
            if u.tier != PROVINCE
        }
        self._districts = {(_province_key(p), _base_key(d)) for p, d in places}
        if any(not u.province or (u.tier == COMMUNE and not u.district) for u in self.units):
            self._districts.add(("", ""))

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

    def tier(self, tier: str) -> list[Unit]:
        """The units of one tier (COMMUNE, DISTRICT or PROVINCE), in registry order."""
        return [unit for unit in self.units if unit.tier == tier]

    def containing(self, text: str) -> list[Unit]:
        """The units whose name (with its kind, "Xã Cẩm Bình") holds the words of `text` in
        a row, in any spelling ("Cẩm", "cam b"): what someone who typed part of a name may
        have meant. The last word may be the start of one."""

        def holds(key, name: str) -> bool:
            wanted, words = key(text).split(), key(name).split()
            return bool(wanted) and any(
                here[:-1] == wanted[:-1] and here[-1].startswith(wanted[-1])
                for here in (
                    words[i : i + len(wanted)] for i in range(len(words) - len(wanted) + 1)
                )
            )

        def spelled(value: str) -> str:  # with its diacritics, in any case
            return nfc(value).casefold()

        found = [unit for unit in self.units if holds(fold, unit.name)]
        if not nfc(text).isascii():  # typed with diacritics: «Cẩm» is not «Cầm», if that does
            return [unit for unit in found if holds(spelled, unit.name)] or found
        return found

    def match(self, text: str, place: Place = NOWHERE) -> UnitMatch:
        """The unit named in `text`: a GSO code, or a name in any spelling.

        A code wins. Otherwise every unit whose name is written in the text is a candidate
        (unless a kind word before it says otherwise), and the rules narrow them down in
        order: the longest name, a kind word written, a commune before its district, the
        `place` the submission comes from, the exact spelling with diacritics. Candidates
        still left together are all returned, with `unit` None. A place `elsewhere` leaves
        no name of the registry to match.
        """
        words = _WORD.findall(nfc(text or ""))
        if words and fold(words[-1]) in _SUFFIXES:
            words.pop()
        by_code = self._codes_in(words)
        if by_code:
            return _result(by_code)
        if place.elsewhere:  # a namesake of a unit of another province is not this one
            return UnitMatch(None, ())
        hits = self._hits(words)
        for rule in (longest_name, kind_written, commune_first, in_place(place), exact_spelling):
            if len({hit.unit.code for hit in hits}) <= 1:
                break
            hits = rule(hits)
        return _result([hit.unit for hit in hits])

    def near(self, name: str, place: Place = NOWHERE) -> list[Unit]:
        """The communes whose name is spelt close to `name` (a letter wrong, two swapped:
        «Cẩm Qaun» → Xã Cẩm Quan), closest first, in the `place`'s districts when it names
        any: what a misspelt name may have meant, never taken for it."""
        communes = [
            (unit, " ".join(key[0]))
            for unit, key in zip(self.units, self.names, strict=True)
            if key
            and unit.tier == COMMUNE
            and (not place.districts or district_key(unit) in place.districts)
        ]
        names = [written for _, written in communes]
        ranked = process.extract(
            fold(name), names, scorer=fuzz.ratio, score_cutoff=NEAR, limit=None
        )
        return [communes[i][0] for _, _, i in ranked]

    def locate(self, clues: Clues) -> Place:
        """Where `clues` put a submission: the districts and provinces its lines, folders and
        file name name (a bare name that is both a province and a district is taken as the
        province), the units whose registered address sent it, and the places of the
        country outside the registry that a line, folder or file name names with its kind."""
        districts: set[tuple[str, str]] = set()
        provinces: set[str] = set()
        outside: set[tuple[str, str]] = set()
        texts = (*clues.lines, *clues.folders, *((clues.file_name,) if clues.file_name else ()))
        for text in texts:
            found, elsewhere = self._places_in(text)
            districts |= {district_key(u) for u in found if u.tier == DISTRICT}
            provinces |= {u.province for u in found if u.tier == PROVINCE}
            outside |= {(text, describe(u)) for u in elsewhere}
        senders = frozenset()
        sender = self._by_email.get(parseaddr(clues.sender)[1].casefold()) if clues.sender else None
        if sender is not None:
            senders = frozenset({sender.code})
            if sender.tier != PROVINCE:
                districts.add(district_key(sender))
            provinces.add(sender.province)
        if provinces:  # "Huyện Châu Thành" is in five provinces: keep the named province's
            districts = {d for d in districts if d[0] in provinces} or districts
        return Place(frozenset(districts), frozenset(provinces), senders, frozenset(outside))

    def districts_in(self, text: str) -> frozenset[tuple[str, str]]:
        """The registry's districts a text names, as `district_key`s."""
        return frozenset(district_key(u) for u in self._places_in(text)[0] if u.tier == DISTRICT)

    def _places_in(self, text: str) -> tuple[frozenset[Unit], frozenset[Unit]]:
        """The registry's districts and provinces a text names, and the country's others it
        names with their kind («UBND HUYỆN THẠCH HÀ», «Tỉnh Hà Giang») or as its whole text
        (a folder «Hà Giang»), each span read once; remembered: title lines and folders
        repeat from file to file. A file name's words are split first ("HaTinh_CanLoc")."""
        found = self._places.get(text)
        if found is not None:
            return found
        words = _WORD.findall(nfc(spaced(text)))
        if words and fold(words[-1]) in _SUFFIXES:
            words.pop()
        spans = _by_span(self._hits(words, self._place_names))
        units = {unit for hits in spans.values() for unit in _places_of(hits)}
        others = _by_span(
            hit
            for hit in self._hits(words, _country_places())
            if (hit.start, hit.size) not in spans
            and (hit.kind_written or (hit.size == len(words) and not self._names_of(words)))
        )
        elsewhere = {
            unit for hits in others.values() for unit in _places_of(hits) if not self._holds(unit)
        }
        if len(self._places) > 4096:
            self._places.clear()
        self._places[text] = found = (frozenset(units), frozenset(elsewhere))
        return found

    def _names_of(self, words: list[str]) -> bool:
        """Whether `words` are wholly the name of a unit of the registry (a folder named
        after a commune is no province's, though «Quảng Ninh» is one)."""
        return self._names.has(tuple(map(folded, words)))

    def _holds(self, place: Unit) -> bool:
        """Whether a district or province of the country is one the registry's units are in
        (a district's registry lists no row for its province, yet is in it); a registry
        with units of no stated district or province holds any."""
        if place.tier == PROVINCE:
            return "" in self._provinces or _province_key(place.province) in self._provinces
        key = (_province_key(place.province), _base_key(place.name))
        return ("", "") in self._districts or key in self._districts

    def _codes_in(self, words: list[str]) -> list[Unit]:
        """Units whose code is written as a number of three digits or more."""
        return [self._by_code[w] for w in words if len(w) >= 3 and w in self._by_code]

    def _hits(self, words: list[str], names: _NameIndex | None = None) -> list[_Hit]:
        """Every place where a unit's name (of `names`, else any) is written in `words` and no
        kind word before it contradicts the unit's kind."""
        names = self._names if names is None else names
        joined = " ".join(map(folded, words))  # words repeat: each folded once
        for noise in _NOISE:  # the national motto contains "xã" and names like "Cộng Hòa"
            joined = joined.replace(noise, " ".join("·" * len(noise.split())))
        keys = joined.split()
        exact = [w.casefold() for w in words]
        hits = []
        for start, size, name, unit, spelled in names.find(keys):
            kinds = self._kinds_before(keys, start)
            if kinds and unit.kind not in kinds:
                continue
            if not kinds and all(w.isdigit() for w in name):  # "Phường 1" needs its kind
                continue
            if size == 1 and not _alone(keys, start, kinds):
                continue
            if self._in_kind(keys, start) or _year_word(keys, exact, start + size - 1, spelled):
                continue
            spelled_here = tuple(exact[start : start + size]) == spelled
            hits.append(_Hit(unit, start, size, bool(kinds), spelled_here))
        return hits

    def _in_kind(self, keys: list[str], start: int) -> bool:
        """Whether the word at `start` ends a kind of two words: «Phổ Vinh» is not named in
        «THÀNH PHỐ VINH»."""
        return any(
            start + 1 >= len(kind) and tuple(keys[start + 1 - len(kind) : start + 1]) == kind
            for kind in self._kind_phrases
        )

    def _kinds_before(self, keys: list[str], start: int) -> set[str]:
        """The kinds the words just before `start` name ("thị xã" before "xã")."""
        for size in self._kind_sizes:
            if start >= size and (kinds := self._kind_words.get(tuple(keys[start - size : start]))):
                return kinds
        return set()


def _by_span(hits: Iterable[_Hit]) -> dict[tuple[int, int], list[_Hit]]:
    """Hits grouped by the words they cover."""
    spans: dict[tuple[int, int], list[_Hit]] = {}
    for hit in hits:
        spans.setdefault((hit.start, hit.size), []).append(hit)
    return spans


def _places_of(hits: list[_Hit]) -> set[Unit]:
    """The places the hits of one span name: a bare name that is both a province and a
    district is the province («Cà Mau»); spelled with diacritics, the ones spelled so."""
    if any(h.unit.tier == PROVINCE and not h.kind_written for h in hits):
        hits = [h for h in hits if h.unit.tier == PROVINCE]
    return {hit.unit for hit in exact_spelling(hits)}


_YEAR = re.compile(r"(19|20)\d\d")


def _year_word(keys: list[str], exact: list[str], last: int, spelled: tuple[str, ...]) -> bool:
    """Whether a name's last word «Nam» is the word «năm» (year) of the text: «XÃ CHI LĂNG
    NĂM 2021» names Xã Chi Lăng, not Xã Chi Lăng Nam (Thị xã Ngã Năm is spelled so)."""
    if keys[last] != "nam" or spelled[-1] == "năm":
        return False
    after = keys[last + 1] if last + 1 < len(keys) else ""
    return exact[last] == "năm" or bool(_YEAR.fullmatch(after))


# Words that may follow a name of one word: the date of a signature («Tư, ngày 10 …»)
_AFTER_NAME = {"ngay", "nam", "thang", "·"}


def _alone(keys: list[str], start: int, kinds: set[str]) -> bool:
    """Whether a name of one word at `start` stands as a name: after its kind word or first,
    and followed by nothing, a kind word, a number or a date («UBND XÃ TƯ», «Tư, ngày …»),
    not inside other words («biểu tự đánh giá» is no «Xã Tư»; «XÃ THANH PƯHỚC», misspelt,
    is no «Xã Thanh»)."""
    if not kinds and start:
        return False
    after = keys[start + 1] if start + 1 < len(keys) else ""
    return not after or after in _AFTER_NAME or after.isdigit() or after in _ALL_KIND_WORDS


_ALL_KIND_WORDS = {written.split()[0] for words in _KIND_WORDS.values() for written in words}


def spaced(text: str) -> str:
    """A file or folder name as words: "xa_cam_thanh.xlsx" → "xa cam thanh xlsx",
    "HaTinh_CanLoc" → "Ha Tinh Can Loc"."""
    words = re.sub(r"[_\-.]+", " ", text)
    pairs = zip(" " + words, words, strict=False)
    return "".join(f" {c}" if c.isupper() and before.islower() else c for before, c in pairs)


@functools.cache
def _country_places() -> _NameIndex:
    """The districts and provinces of the whole country (2021), by name: what a clue naming a
    place outside a registry is recognised by (built once per process)."""
    index = _NameIndex()
    for prov in _divisions():
        province = _province_name(prov["name"])
        code = str(prov["code"]).zfill(CODE_DIGITS[PROVINCE])
        units = [Unit(code, prov["name"], prov["division_type"], "", province, "")]
        units += [
            Unit(str(d["code"]).zfill(CODE_DIGITS[DISTRICT]), d["name"], d["division_type"],
                 d["name"], province, "")
            for d in prov["districts"]
        ]  # fmt: skip
        for unit in units:
            if key := name_key(unit):
                index.add(key[0], unit, key[1])
    return index


def _result(units: Iterable[Unit]) -> UnitMatch:
    found = sorted(set(units), key=lambda unit: (len(unit.code), unit.code))
    return UnitMatch(found[0] if len(found) == 1 else None, tuple(found))


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


CODE_DIGITS = {PROVINCE: 2, DISTRICT: 3, COMMUNE: 5}  # GSO codes are written zero-padded
_PROVINCE_NOTE = (
    "Dòng của chính tỉnh: dùng để tổng hợp theo tỉnh; không tính vào số đơn vị phải nộp."
)
_DISTRICT_NOTE = (
    "Dòng của chính huyện: dùng cho biểu tự đánh giá theo bộ tiêu chí huyện nông thôn mới; "
    "không tính vào số đơn vị phải nộp."
)
_URBAN_NOTE = "Không có xã nên không đánh giá theo bộ tiêu chí huyện nông thôn mới."


def _slug(name: str, kind: str = "") -> str:
    return fold(_split_kind(name, kind)[1]).replace(" ", "")


class _Builder:
    """Units and notes of the registry being built, in order: province, district, communes."""

    def __init__(self, example_emails: bool, whole_province: bool) -> None:
        self.example_emails = example_emails
        self.whole_province = whole_province
        self.units: list[Unit] = []
        self.notes: dict[str, str] = {}

    def add(self, item: dict, tier: str, note: str = "", **fields) -> Unit:
        code = str(item["code"]).zfill(CODE_DIGITS[tier])
        unit = Unit(code=code, name=item["name"], kind=item["division_type"], **fields)
        self.units.append(unit)
        if note:
            self.notes[code] = note
        return unit

    def email(self, local: str, domain: str) -> str:
        return f"{local}@{domain}.example.org" if self.example_emails else ""

    def province(self, prov: dict) -> None:
        name = _province_name(prov["name"])
        region = region_of(name)
        domain = _slug(prov["name"], prov["division_type"])
        self.add(
            prov, PROVINCE, _PROVINCE_NOTE, district="", province=name, region=region,
            target_level="", expected=False, email=self.email("vpdp.ntm", domain),
        )  # fmt: skip
        for dist in prov["districts"]:
            self.district(prov, dist)

    def district(self, prov: dict, dist: dict) -> None:
        province = _province_name(prov["name"])
        domain = _slug(dist["name"], dist["division_type"])
        if self.whole_province:  # district names repeat across provinces
            domain += "." + _slug(prov["name"], prov["division_type"])
        place = {"district": dist["name"], "province": province, "region": region_of(province)}
        rural = any(ward["division_type"] == "xã" for ward in dist["wards"])
        self.add(
            dist, DISTRICT, _DISTRICT_NOTE if rural else _URBAN_NOTE, **place,
            target_level="đạt chuẩn" if rural else "", expected=False,
            email=self.email("vpdp.ntm", domain),
        )  # fmt: skip
        for ward in dist["wards"]:
            self.commune(ward, place, domain)

    def commune(self, ward: dict, place: dict[str, str], domain: str) -> None:
        kind = ward["division_type"]
        commune = kind == "xã"
        prefix = {"xã": "", "thị trấn": "tt", "phường": "p"}.get(kind, "")
        note = (
            ""
            if commune
            else f"{kind.capitalize()} không đánh giá theo bộ tiêu chí xã nông thôn mới nên "
            "không phải nộp biểu tự đánh giá."
        )
        local = f"ubnd.{prefix}{_slug(ward['name'], kind)}"
        self.add(
            ward, COMMUNE, note, **place, target_level="đạt chuẩn" if commune else "",
            expected=commune, email=self.email(local, domain),
        )  # fmt: skip


def build_registry(
    province: str | None = None,
    district: str | None = None,
    *,
    targets: Mapping[str, str] | None = None,
    target_source: str = "",
    example_emails: bool = False,
) -> Registry:
    """The units of a district, a province, or (no province) the whole country, as in the
    2021 hierarchy of `vietnam-provinces`.

    Communes (xã) must submit and aim at "đạt chuẩn" unless `targets` (unit name or code →
    level) says otherwise; towns and wards are not assessed on commune criteria. Each district
    is listed before its communes, not expected, for its own self-assessment (aiming at
    "đạt chuẩn" when it has communes); a province is listed before its districts. `target_source`
    names the document the targets come from; `example_emails` fills reserved example.org
    addresses.
    """
    if province is None and district is not None:
        raise RegistryError(f"Hãy cho biết huyện «{district}» thuộc tỉnh nào")
    builder = _Builder(example_emails, whole_province=district is None)
    if province is None:
        for prov in _divisions():
            builder.province(prov)
    else:
        prov = _find(_divisions(), province, "tỉnh", key=_province_key)
        if district is None:
            builder.province(prov)
        else:
            builder.district(prov, _find(prov["districts"], district, "huyện"))
    registry = Registry(builder.units, builder.notes)
    return _with_targets(registry, targets or {}, target_source)


def _with_targets(registry: Registry, targets: Mapping[str, str], source: str) -> Registry:
    """The registry with the communes named in `targets` aiming at their level."""
    levels: dict[str, str] = {}
    notes = dict(registry.notes)
    for text, level in targets.items():
        if level not in LEVELS:
            raise RegistryError(f"Mục tiêu «{level}» không hợp lệ; dùng: {', '.join(LEVELS)}")
        found = registry.match(text)
        if found.unit is None or found.unit.kind != "xã":
            detail = "; ".join(map(describe, found.candidates)) or "không có xã nào"
            hint = " Hãy ghi mã đơn vị." if found.ambiguous else ""
            raise RegistryError(
                f"Không xác định được xã «{text}» để đặt mục tiêu ({detail}).{hint}"
            )
        unit = found.unit
        note = f"Mục tiêu: xã nông thôn mới {level}" + (f" theo {source}" if source else "")
        spelled = nfc(text).casefold()
        written = (unit.name.casefold(), _split_kind(unit.name, unit.kind)[1].casefold())
        if spelled not in written and not spelled.isdigit():
            note += f"; văn bản ghi «{nfc(text)}»"
        levels[unit.code] = level
        notes[unit.code] = note + "."
    units = [
        replace(u, target_level=levels[u.code]) if u.code in levels else u for u in registry.units
    ]
    return Registry(units, notes)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


# The length of a GSO code at each tier: 00004 is Phường Phúc Xá, 001 Quận Ba Đình, 01 Hà Nội.
_CODE_WIDTH = {COMMUNE: 5, DISTRICT: 3, PROVINCE: 2}


def _code(value: object, kind: str) -> str:
    """A unit's code as written; one typed as a number gets back the leading zeros the
    spreadsheet dropped (a commune's 4 is 00004), so that it is the code communes write."""
    code = _text(value)
    kind = _KINDS_BY_KEY.get(fold(kind), "")
    if isinstance(value, int | float) and not isinstance(value, bool) and code.isdigit() and kind:
        tier = PROVINCE if kind in model.PROVINCE_KINDS else DISTRICT
        return code.zfill(_CODE_WIDTH[COMMUNE if kind in model.COMMUNE_KINDS else tier])
    return code


REGISTRY_CACHE = "danh_sach_don_vi.cache.json"  # in the state folder: see `load_registry`


@functools.cache
def _loader_version() -> str:
    """A fingerprint of the code that turns a registry workbook into units."""
    modules = (__file__, model.__file__, text_rules.__file__)
    return code_fingerprint(modules, ("python-calamine", "vietnam-provinces"))


def load_registry(path: Path | str, cache_dir: Path | str | None = None) -> Registry:
    """Load the registry workbook at `path`. With `cache_dir` (the state folder), the units
    read from it are kept there, by the workbook's content and this code's version, and
    taken from there while both stay the same (a country's 11,000 rows are not parsed at
    every run); a cache that cannot be read or written is only not used."""
    path = Path(path)
    check_office_file(path, RegistryError, "Danh sách đơn vị")
    if not path.is_file():
        raise RegistryError(f"Không tìm thấy danh sách đơn vị {path}")
    if cache_dir is None:
        return _parse_registry(path)
    cache = Path(cache_dir) / REGISTRY_CACHE
    try:
        key = hashlib.sha256(path.read_bytes() + _loader_version().encode()).hexdigest()
    except OSError as exc:
        raise RegistryError(f"Không mở được danh sách đơn vị {path}: {exc}") from exc
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads(cache.read_bytes())
        if data["key"] == key:
            rows = data["units"]
            units = [Unit(*(tuple(v) if isinstance(v, list) else v for v in r)) for r in rows]
            names = _cached_names(data["names"], len(units))
            return Registry(units, data["notes"], path, names)
    registry = _parse_registry(path)
    units = [[getattr(unit, f.name) for f in fields(Unit)] for unit in registry.units]
    with contextlib.suppress(OSError), atomic_path(cache) as tmp:
        data = {"key": key, "units": units, "notes": registry.notes, "names": registry.names}
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return registry


def _cached_names(names: object, count: int) -> list[NameKey | None]:
    """The units' name keys as kept in the cache (lists of words), checked for their shape:
    anything else is a `ValueError` (the cache is not used)."""
    if not isinstance(names, list) or len(names) != count:
        raise ValueError("name keys")
    keys: list[NameKey | None] = []
    for key in names:
        if key is None:
            keys.append(None)
            continue
        folded, spelled = key  # a ValueError or TypeError when not a pair
        pair = (tuple(folded), tuple(spelled))
        if not pair[0] or not all(isinstance(w, str) for part in pair for w in part):
            raise ValueError("name keys")
        keys.append(pair)
    return keys


def _parse_registry(path: Path) -> Registry:
    try:  # calamine: the country's 11,000 rows in a tenth of openpyxl's time
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            names = [n for n in workbook.sheet_names if n != HELP_SHEET] or workbook.sheet_names
            sheet = workbook.get_sheet_by_name(SHEET if SHEET in names else names[0])
            lines = sheet.to_python(skip_empty_area=False)  # row numbers as in the sheet
            rows = [[None if cell == "" else cell for cell in line] for line in lines]
        finally:
            workbook.close()
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise RegistryError(f"Không mở được danh sách đơn vị {path}: {exc}") from exc
    if not rows:
        raise RegistryError(f"Danh sách đơn vị {path}: trang tính trống")
    # the heading row: of the first rows, the one with most headings (a title block may come first)
    counts = [sum(fold(_text(c)) in _KEYS for c in row) for row in rows[:HEADING_ROWS]]
    above = counts.index(max(counts))
    header = {
        i: _KEYS[fold(_text(c))] for i, c in enumerate(rows[above]) if fold(_text(c)) in _KEYS
    }
    missing = [c for c in ("ma_don_vi", "ten_don_vi", "loai") if c not in header.values()]
    if missing:
        raise RegistryError(
            f"Danh sách đơn vị {path}, dòng {above + 1}: thiếu cột {', '.join(missing)}"
        )
    units: list[Unit] = []
    notes: dict[str, str] = {}
    errors: list[str] = []
    rows_of: dict[str, int] = {}
    column_of = {name: i for i, name in header.items()}
    code_col, officials_col = column_of["ma_don_vi"], column_of.get("can_bo_phu_trach")
    for number, cells in enumerate(rows[above + 1 :], start=above + 2):
        rec = {name: _text(cells[i]) if i < len(cells) else "" for i, name in header.items()}
        if code_col < len(cells):
            rec["ma_don_vi"] = _code(cells[code_col], rec.get("loai", ""))
        if officials_col is not None:  # one official per line is as good as "; "
            rec["can_bo_phu_trach"] = _text(str(cells[officials_col] or "").replace("\n", ";"))
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


_KINDS_BY_KEY = {fold(kind): kind for kind in _KIND_WORDS}
_LEVELS_BY_KEY = {fold(level): level for level in LEVELS}


def _unit(rec: dict[str, str]) -> tuple[list[tuple[str, str]], Unit | None]:
    problems: list[tuple[str, str]] = []
    code, name = rec.get("ma_don_vi", ""), rec.get("ten_don_vi", "")
    if not re.fullmatch(r"\d+", code):
        problems.append(
            ("ma_don_vi", f"mã đơn vị «{code}» phải là dãy chữ số (mã Tổng cục Thống kê)")
        )
    if not name:
        problems.append(("ten_don_vi", "thiếu tên đơn vị"))
    kind = _KINDS_BY_KEY.get(fold(rec.get("loai", "")))
    if kind is None:
        problems.append(
            ("loai", f"loại «{rec.get('loai', '')}» không hợp lệ; dùng: {', '.join(_KIND_WORDS)}")
        )
    level = rec.get("muc_tieu", "")
    level = _LEVELS_BY_KEY.get(fold(level), level)
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
    name = _official_name(name, kind)
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


# How a name begun by its kind begins, folded: «xa », «x.», «thi tran », «tt »…
_KIND_STARTS = tuple(
    form + end
    for kind, forms in _KIND_WORDS.items()
    for form in (fold(kind), *forms)
    for end in " ."
)


def _official_name(name: str, kind: str) -> str:
    """A unit's name with its kind first, as official names are written: a list kept by hand
    may leave it out («Cẩm Thành» of a xã is Xã Cẩm Thành, not «UBND cẩm Thành» in a
    letter); a name already begun by a kind, written out or short («X. Cẩm Thành»), stays."""
    if fold(name).startswith(_KIND_STARTS):
        return name
    prefix = _NAME_PREFIX.get(kind, kind)
    return f"{prefix[:1].upper()}{prefix[1:]} {name}"


def _row(unit: Unit, note: str) -> list[str]:
    return [
        unit.code, unit.name, unit.kind, unit.district, unit.province, unit.region,
        unit.target_level, "có" if unit.expected else "không", unit.contact_name, unit.email,
        unit.phone, "; ".join(unit.supervisors), note,
    ]  # fmt: skip


_WIDTHS = (10, 22, 10, 18, 10, 15, 11, 9, 20, 36, 14, 30, 60)


def write_registry(registry: Registry, path: Path | str) -> None:
    """Write the registry as a styled .xlsx (codes as text) that `load_registry` reads back."""
    with xlsx_output(path, TEXT_ONLY) as workbook:
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
