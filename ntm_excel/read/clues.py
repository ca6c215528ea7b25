"""The clues that name a workbook's unit (a code cell, the title block, the sheet tab, the
file name), said with where each was written: when two clues name two different communes (a
neighbour's file copied and renamed), the message says which clue named which.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from ntm_excel.read.sheets import Grid, Header, cell_text
from ntm_excel.reference.registry import (
    Place,
    Registry,
    Unit,
    describe,
    district_key,
    name_key,
)
from ntm_excel.text import cell_address, first_of, fold, folded, nfc, shown

TEXT_SHOWN = 160  # characters of a title line a message quotes (a row of 60 long cells: 1 MB)


def title_cell(
    grids: list[Grid], header: Header | None, written: str, height: int
) -> tuple[str, str]:
    """Where a title line or a code cell `written` stands in the title block (the `height`
    rows above the table, else the first rows of each sheet): its sheet and cell ("TĐG",
    "A2"), or ("", "") when it is found nowhere."""
    for grid, rows in _title_blocks(grids, header, height):
        for row in rows:
            line = grid.line(row)
            if line is None:
                continue
            for col, cell in enumerate(grid.rows[row]):
                if cell not in ("", None) and (line[0] == written or cell_text(cell) == written):
                    return grid.name, cell_address(row, col)
    return "", ""


def _title_blocks(
    grids: list[Grid], header: Header | None, height: int
) -> Iterable[tuple[Grid, range]]:
    if header is not None:
        return [(header.grid, range(min(header.top, height)))]
    return [(grid, range(min(len(grid.rows), height))) for grid in grids]


def named_by(unit: Unit, clue: str) -> str:
    """A unit and the clue that named it: "Xã Cẩm Bình (…; mã 18685) theo tên tệp «…»"."""
    return f"{describe(unit)} theo {clue}"


def title_clue(
    grids: list[Grid], header: Header | None, written: str, what: str, height: int
) -> str:
    """A title-block clue: "đầu biểu «UBND XÃ CẨM BÌNH» (trang «TĐG», ô A1)"."""
    sheet, cell = title_cell(grids, header, written, height)
    where = f" (trang «{sheet}», ô {cell})" if sheet else ""
    return f"{what} «{shown(written, TEXT_SHOWN)}»{where}"


def conflicting(named: list[tuple[Unit, str]]) -> str:
    """Two or more clues naming different communes, each with its unit, for the
    `unit-ambiguous` message's candidates; a copied form is the usual cause."""
    clues = ", còn ".join(named_by(unit, clue) for unit, clue in named)
    return f"{clues} (tệp sao từ biểu của xã khác mà chưa sửa hết?)"


def not_among(unit: Unit, clue: str, line: str, units: Sequence[Unit]) -> str:
    """A clue naming a commune that is none of those a title line's name fits: "Xã Cẩm Bình
    (…) theo tên tệp «…», còn đầu biểu «UBND XÃ TÂN LẬP» (…) ghi Xã Tân Lập (…), …"."""
    return f"{named_by(unit, clue)}, còn {line} ghi {some_of(units)}"


def fix_advice(first: str, second: str) -> str:
    """What to do when two clues name two communes: "Hãy sửa đầu biểu hoặc tên tệp cho đúng
    xã gửi." (the name of one unit is right, so nothing else would help)."""
    return f"Hãy sửa {first} hoặc {second} cho đúng xã gửi."


CANDIDATES_SHOWN = 5  # units a message lists of those a name fits («Xã Tân Lập»: 23)


def some_of(units: Sequence[Unit]) -> str:
    """The units a name fits, the first `CANDIDATES_SHOWN` with where each is, and how many
    more: "Xã Tân Lập (Huyện …, …; mã …), … và 18 đơn vị khác (23 đơn vị)"."""
    listed = first_of(list(map(describe, units)), CANDIDATES_SHOWN, "đơn vị")
    return f"{listed} ({len(units)} đơn vị)" if len(units) > CANDIDATES_SHOWN else listed


def disagreeing(
    where: Callable[[str], str], texts: Iterable[str], registry: Registry, units: Sequence[Unit]
) -> str:
    """What to do when the clues name the districts of two of the `units` a name fits
    («UBND HUYỆN KIẾN XƯƠNG» in the title, the file in a folder «Huyện Ba Vì»): which clue
    named which; "" when they do not."""
    wanted = {district_key(unit) for unit in units}
    said: dict[tuple[str, str], str] = {}
    for text in texts:
        for key in sorted(registry.districts_in(text) & wanted):
            said.setdefault(key, text)
    if len(said) < 2:
        return ""
    named = ", còn ".join(f"{where(text)} chỉ {d} ({p})" for (p, d), text in said.items())
    return (
        f"{named[:1].upper()}{named[1:]}: các nơi này không khớp nhau. Hãy sửa đầu biểu hoặc "
        "để tệp vào đúng thư mục."
    )


# when a name fits several units: what tells them apart
TELL_APART = (
    "Hãy ghi rõ tên hoặc mã đơn vị, ghi huyện ở đầu biểu (ví dụ «UBND HUYỆN …»), hoặc để "
    "tệp trong thư mục mang tên huyện."
)


# «UBND XÃ …», «ỦY BAN NHÂN DÂN THỊ TRẤN …»: a title line naming its commune by its kind
_COMMUNE_LINE = re.compile(r"\b(?:ubnd|uy ban nhan dan) (?:xa|thi tran|tt|phuong) ([a-z0-9 ]+)")
_MOTTO = re.compile(r"cong hoa xa hoi chu nghia viet nam|doc lap tu do hanh phuc")
NEAR_SHOWN = 3  # communes a message suggests for a misspelt name


def commune_line(lines: Iterable[str]) -> tuple[str, str] | None:
    """The first title line naming a commune by its kind, and the name it writes
    («UBND XÃ CẨM QAUN» → "cam qaun"): when no unit bears that name, the file is still a
    commune's, not its district's whose «UBND HUYỆN …» stands above."""
    for line in lines:
        key = _MOTTO.sub("|", " ".join(folded(line).split()))
        if match := _COMMUNE_LINE.search(key):
            return line, match[1].strip()
    return None


def written_at(
    grids: list[Grid], header: Header | None, file_name: str, height: int
) -> Callable[[str], str]:
    """Where a clue's text was written: the file name, a cell of the title block, else a
    folder ("thư mục «Hà Giang»")."""

    def where(text: str) -> str:
        if text == file_name:
            return f"tên tệp «{shown(text, TEXT_SHOWN)}»"
        if title_cell(grids, header, text, height)[0]:
            return title_clue(grids, header, text, "đầu biểu", height)
        return f"thư mục «{shown(text, TEXT_SHOWN)}»"

    return where


def unknown_detail(
    where: Callable[[str], str], lines: Iterable[str], place: Place, registry: Registry
) -> str:
    """Why no unit was found, when the clues say: the places outside the registry they
    name («UBND HUYỆN THẠCH HÀ» read against Nghệ An's), or a commune named by its kind
    that the registry does not list, with the names it comes close to. `where` says where a
    clue's text was written ("đầu biểu «…» (trang «…», ô A1)"); "" when the clues say
    nothing more."""
    if place.elsewhere:
        named = sorted(place.outside)
        said = first_of([f"{where(t)} chỉ {what}" for t, what in named], NEAR_SHOWN, "nơi", "; ")
        return (
            f" ({said}: nơi này không thuộc danh sách đơn vị, nên không lấy đơn vị cùng "
            "tên trong danh sách)"
        )
    found = commune_line(lines)
    if found is None:
        return ""
    line, name = found
    near = registry.near(name, place)
    hint = f"; gần giống: {first_of(list(map(describe, near)), NEAR_SHOWN, 'xã')}" if near else ""
    return f" ({where(line)} ghi tên xã không có trong danh sách đơn vị{hint})"


def district_elsewhere(registry: Registry, unit: Unit, texts: Iterable[str]) -> tuple[str, str]:
    """The first of `texts` (folders, the file name) naming districts of the commune's
    province, none of them the commune's («ThachHa» for Xã Cẩm Vĩnh of Cẩm Xuyên), and the
    districts it names; ("", "") when none does. A district whose name is within the
    commune's own is not counted: «thach_ha.xlsx» names Xã Thạch Hạ, not Huyện Thạch Hà."""
    own = _name_key(unit)
    within = f" {' '.join(own[0])} " if own else ""
    for text in texts:
        named = registry.districts_in(text)
        if not named or district_key(unit) in named:
            continue
        others = [
            (province, name)
            for province, name in sorted(named)
            if province == unit.province and f" {_bare(name)} " not in within
        ]
        if others:
            return text, ", ".join(f"{name} ({province})" for province, name in others)
    return "", ""


# a unit's `name_key`, worked out once per unit (the registry's communes come back file
# after file)
_name_key = functools.lru_cache(maxsize=1 << 14)(name_key)

_DISTRICT_KINDS = re.compile(r"^(?:huyen|quan|thi xa|thanh pho) ")


def _bare(district: str) -> str:
    """A district's name without its kind, folded: «Huyện Thạch Hà» → "thach ha"."""
    return _DISTRICT_KINDS.sub("", fold(district))


# --- a name written with other tones ---------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


def _syllable(word: str) -> tuple[str, str]:
    """A word as (its letters with their vowel marks, its tone mark): «hoà» and «hòa» (old
    and new tone placement) spell one word, «hà» and «hạ» two."""
    marks = unicodedata.normalize("NFD", word.casefold())
    letters = unicodedata.normalize("NFC", "".join(c for c in marks if c not in _TONES))
    return letters, "".join(c for c in marks if c in _TONES)


def _spelling(words: Iterable[str]) -> tuple[tuple[str, str], ...]:
    return tuple(map(_syllable, words))


def other_tones(line: str, unit: Unit) -> str:
    """The unit's name as `line` writes it when its diacritics are not the unit's («THẠCH
    HÀ» for Xã Thạch Hạ): a match made only by ignoring them. "" when the line writes the
    name as the registry spells it (in either tone placement), or without diacritics."""
    key = _name_key(unit)
    if key is None:
        return ""
    words = _WORD.findall(nfc(line))
    keys = [folded(word) for word in words]
    size = len(key[0])
    for start in range(len(words) - size + 1):
        if tuple(keys[start : start + size]) == key[0]:
            written = words[start : start + size]
            if any(not w.isascii() for w in written) and _spelling(written) != _spelling(key[1]):
                return " ".join(written)
            return ""
    return ""


def spelled_as(registry: Registry, written: str) -> list[Unit]:
    """The units whose name is `written`, diacritics and tones included («Thạch Hà»: Huyện
    Thạch Hà, Thị trấn Thạch Hà)."""
    words = written.split()
    keys, spelling = tuple(map(fold, words)), _spelling(words)
    return [
        unit
        for unit, key in zip(registry.units, registry.names, strict=True)
        if key is not None and key[0] == keys and _spelling(key[1]) == spelling
    ]
