"""Vietnamese text helpers: Unicode normal form and a folded key for tolerant matching."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """NFC form with runs of white space (including non-breaking) folded to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """A key that ignores case, diacritics, Unicode form, punctuation and spacing.

    "UBND XÃ CẨM THÀNH", "ubnd xa cam thanh" and "Ubnd  xã Cẩm  Thành." all fold to
    "ubnd xa cam thanh".
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.sub(r"[^0-9a-z]+", " ", stripped.lower())
    return words.strip()


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 → "A", 27 → "AB")."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """A1 address of a 0-based (row, column)."""
    return f"{column_letter(col)}{row + 1}"
