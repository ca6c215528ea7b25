"""What a row's code says, as communes write it in the TT cell or at the start of the wording.

A `Code` is one of:

- "indicator" (criterion and sub-number): "1.1", "1.1.", "1,1", "I.1", "II.2", "Tiêu chí 17 -
  chỉ tiêu 17.1", "Chỉ tiêu 17.1", "CT 17.1";
- "criterion": "1", "1/", "Tiêu chí số 1", "TC1", "TC 1", "Tiêu chí 1:";
- "roman": "I", "II" … alone: a group heading ("I. QUY HOẠCH"), or a criterion where the table
  numbers its indicators "I.1", "II.2" (a single lower-case letter, «i)», is a letter);
- "letter": "a)", "b/" (the a-th, b-th indicator of the current criterion), or with its
  criterion ("1a", "17h", "17 h)", "17.h");
- "group": "A", "B" alone, or a group heading in the wording ("II. HẠ TẦNG KINH TẾ - XÃ HỘI").

Letters count in Vietnamese order (a, b, c, d, đ, e, g, h …); a table that uses "f" counts in
Latin order. A catalogue code written exactly ("2.TT35.a") is looked up by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ntm_excel.text import folded, memoised_text

VIETNAMESE_LETTERS = "abcdđeghiklmnopqrstuvxy"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
BULLETS = frozenset({"-", "+", "*", "•", "–", "—"})


@dataclass(frozen=True)
class Code:
    kind: str  # "indicator", "criterion", "roman", "letter", "group" or "exact"
    criterion: int = 0  # the criterion number (also of a letter written with it: "17h")
    sub: int = 0  # the indicator's number within its criterion ("1.2" → 2)
    letter: str = ""  # "a", "đ", "h" for letter codes
    exact: str = ""  # a catalogue code written as it stands

    def letter_index(self, latin: bool) -> int:
        """0 for "a", 1 for "b" …, in Vietnamese order unless `latin`."""
        order = LATIN_LETTERS if latin or self.letter not in VIETNAMESE_LETTERS else ""
        order = order or VIETNAMESE_LETTERS
        return order.index(self.letter) if self.letter in order else 0


_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}
_ROMAN = re.compile(r"^(?=[ivxl])(l?x{0,3})(ix|iv|v?i{0,3})$")


def roman_number(text: str) -> int | None:
    """The value of a Roman numeral up to 89 ("iv" → 4, "xvii" → 17), else None."""
    key = text.lower()
    if not key or not _ROMAN.match(key):
        return None
    total = 0
    for index, char in enumerate(key):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[key[index + 1]] if index + 1 < len(key) else 0
        total += -value if value < following else value
    return total


_INDICATOR = re.compile(r"^(\d{1,2})\s*[.,]\s*(\d{1,2})\s*[.):]?$")
_CRITERION = re.compile(r"^0?(\d{1,2})\s*[.):/]?$")
_NUMBER_LETTER = re.compile(r"^(\d{1,2})\s*\.?\s*([a-zđ])\s*[.):/]?$")
_ROMAN_INDICATOR = re.compile(r"^([IVXLivxl]+)\s*[.,]\s*(\d{1,2})\s*[.):]?$")
_ROMAN_ALONE = re.compile(r"^([IVXLivxl]+)\s*[.)]?$")
_LETTER = re.compile(r"^([a-zđ])\s*[)./]?$")
# Folded forms: "tieu chi so 17", "tc 17", then perhaps "chi tieu 17 1" or "chi tieu 1"
_CRITERION_WORDS = re.compile(
    r"^(?:tieu chi(?: so)?|tc) ?0?(\d{1,2})(?: (?:chi tieu|ct)(?: so)? ?(\d{1,2})(?: (\d{1,2}))?)?"
    r"(?: |$)"
)
# "TC1.1", "Tiêu chí 17.2": the criterion's word before an indicator's dotted code
_CRITERION_PREFIX = re.compile(r"^(?:tc|tiêu\s*chí(?:\s*số)?)\s*(?=\d{1,2}\.\d)", re.IGNORECASE)
_INDICATOR_WORDS = re.compile(r"^(?:chi tieu|ct)(?: so)? ?(\d{1,2}) (\d{1,2})(?: |$)")

_TEXT_INDICATOR = re.compile(r"^(\d{1,2})\s*[.,]\s*(\d{1,2})\s*[.):]?(?:\s+|$)(?!\d)")
_TEXT_ROMAN_INDICATOR = re.compile(r"^([IVXL]+)\s*[.,]\s*(\d{1,2})\s*[.):]?(?:\s+|$)(?!\d)")
_TEXT_LETTER = re.compile(r"^([a-zđ])\s*\)\s*")
_TEXT_SMALL_LETTER = re.compile(r"^([a-zđ])\s*[./]\s+")  # «a/ Đường xã», «b. Đường trục thôn»
_TEXT_GROUP = re.compile(r"^(?:([IVXL]+)|[A-D])(?:\s*[.)\-–:]\s*|\s+)(?=[A-ZĐÀ-Ỹ]{2})")


def _words_code(key: str) -> Code | None:
    """A code spelt in words (folded text): "tieu chi so 3", "tieu chi 17 chi tieu 17 1"."""
    if match := _CRITERION_WORDS.match(key):
        criterion = int(match[1])
        if match[3]:  # "Tiêu chí 17 - chỉ tiêu 17.1"
            return Code("indicator", int(match[2]), int(match[3]))
        if match[2]:  # "Tiêu chí 17 - chỉ tiêu 1"
            return Code("indicator", criterion, int(match[2]))
        return Code("criterion", criterion)
    if match := _INDICATOR_WORDS.match(key):
        return Code("indicator", int(match[1]), int(match[2]))
    return None


@memoised_text
def written_code(text: str) -> Code | None:
    """What a (stripped, non-blank) TT cell says, as far as it can be read without the
    catalogue."""
    if text in BULLETS:
        return None
    text = _CRITERION_PREFIX.sub("", text)
    if match := _INDICATOR.match(text):
        return Code("indicator", int(match[1]), int(match[2]))
    if match := _CRITERION.match(text):
        return Code("criterion", int(match[1]))
    if (match := _ROMAN_INDICATOR.match(text)) and (number := roman_number(match[1])):
        return Code("indicator", number, int(match[2]))
    if (match := _LETTER.match(text)) and text[0].islower():
        return Code("letter", letter=match[1])  # «i)», «v)», «x)»: letters, as «a)» is
    if (match := _ROMAN_ALONE.match(text)) and (number := roman_number(match[1])):
        return Code("roman", number)
    if match := _NUMBER_LETTER.match(text.lower()):
        return Code("letter", int(match[1]), letter=match[2])
    if code := _words_code(folded(text)):
        return code
    if len(text.rstrip(".)")) == 1 and text[0] in "ABCD":
        return Code("group")
    if match := _LETTER.match(text.lower()):
        return Code("letter", letter=match[1])
    return None


@memoised_text
def code_in_text(text: str) -> Code | None:
    """A code at the start of a wording: "8.1. Có điểm phục vụ…", "I.1 Có quy hoạch…", "a)
    Đường…", "b/ Đường…", "c. Đường…", "Tiêu chí số 1:", "Tiêu chí 17 - chỉ tiêu 17.1: Tỷ
    lệ…", or a group heading "II. HẠ TẦNG KINH TẾ - XÃ HỘI" (a "roman" code)."""
    text = _CRITERION_PREFIX.sub("", text)
    if match := _TEXT_INDICATOR.match(text):
        return Code("indicator", int(match[1]), int(match[2]))
    if (match := _TEXT_ROMAN_INDICATOR.match(text)) and (number := roman_number(match[1])):
        return Code("indicator", number, int(match[2]))
    if match := _TEXT_LETTER.match(text.lower()) or _TEXT_SMALL_LETTER.match(text):
        return Code("letter", letter=match[1])
    if code := _words_code(folded(text)):
        return code
    if match := _TEXT_GROUP.match(text):
        number = roman_number(match[1]) if match[1] else None
        return Code("roman", number) if number else Code("group")
    return None


@memoised_text
def strip_code(text: str) -> str:
    """The wording without a code written at its start ("8.1. Có điểm…" → "Có điểm…")."""
    for pattern in (_TEXT_INDICATOR, _TEXT_ROMAN_INDICATOR, _TEXT_LETTER, _TEXT_SMALL_LETTER):
        if match := pattern.match(text):
            return text[match.end() :].strip()
    return text
