"""How communes type values: Vietnamese numbers, percentages, assessments and dates.

Number conventions (a Vietnamese workbook writes "1.234,5"):

- both "." and "," in one number: the last one is the decimal mark ("1.234,5", "1,234.5");
- only ",": one comma is a decimal comma ("45,2", "0,85", and also "1,234" = 1.234); several
  commas are English thousands ("1,234,567");
- only ".": several dots are thousands ("12.345.678"); one dot followed by exactly three digits
  after a 1–3 digit integer part without a leading zero is thousands ("1.234" = 1234,
  "100.000" = 100000), any other single dot is a decimal point ("1.5", "0.855", "98.25");
- thousands groups must have three digits, otherwise the number is malformed (None);
- groups of three digits after a space are thousands too ("1 234,5", "45 500 000").

A text holds a number when exactly one distinct number occurs in it; digits glued to a letter
("m2", "C3") belong to a unit and are ignored. Two numbers ("17/20", "12/12", "2019-2020",
"31/3/2021") are ambiguous and give None, except in a value cell where a count of a total
of something is a share ("12/15 thôn" → 80%, "9/12 thôn (75%)" → 75%; see `parse_value`).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ntm_excel.model import Status
from ntm_excel.text import memoised_text, nfc
from ntm_excel.vocabulary import Match, Vocabulary, bundled_vocabulary, vocab_key

_NUMBER = re.compile(
    r"(?<![^\W\d_])"  # not glued to a preceding letter ("m2")
    r"(?P<sign>[-+\u2212\u2013]?)"
    r"(?P<body>(?<![\d.,])[.,]?\d[\d.,]*)"
    r"(?P<percent>\s*%)?"
)
# What looks like a figure but is not one to read: an exponent or a hexadecimal number
# ("1e999", "0x1F"), a formula typed as text ("=1+1"), the letter O typed for a zero ("9O",
# "1OO%": 9? 90?); kept as text (a value-invalid)
_NOT_A_FIGURE = re.compile(
    r"\d[eE][+-]?\d|\b0[xX][0-9A-Fa-f]|^\s*=.*\d\s*[-+*/^×]\s*[.,]?\d|\d[oO]+(?![^\W\d_])"
)
_SIGN_CONTEXT = re.compile(r"(?:^|[\s(≈~<>≤≥=:])$")  # on the character before a sign
_BLANK = re.compile(r"[\s\-\u2010-\u2015\u2212.…]*")
BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # «(…)», «[…]»
_NUMBER_LEAD = re.compile(r"[\s≈~<>≤≥=+\-\u2212\u2013(\[]*[.,]?\d")
# Typed before a figure to keep it as text ("'97"), in Excel's way or a word processor's.
_APOSTROPHES = "'‘’`"
# A footnote mark after a figure: superscript digits, asterisks, "(1)", "[2]", "(*)".
_FOOTNOTE = re.compile(
    r"(?<=[\d%])\s*(?:[\u00b9\u00b2\u00b3\u2070-\u2079]+|\*+|[(\[](?:\d|\*+)[)\]])$"
)
_LETTER_WORD = re.compile(r"[^\W\d_]+")
# Words typed before a figure that leave it the value ("Trên 90%", "Đạt 99,9%"): a lower bound,
# a verdict, or what the figure is ("Tỷ lệ", "TL", "Thu nhập"); «dưới», «gần» (below it) are
# left as text, «khoảng» is an estimate word.
_LEADING_PHRASES = frozenset(
    tuple(phrase.split())
    for phrase in (
        "tren", "hon", "toi thieu", "it nhat", "dat", "da dat", "chua dat", "khong dat",
        "dat tren", "dat hon", "ty le", "ti le", "dat ty le", "dat ti le", "ty le dat",
        "ti le dat", "binh quan", "kq", "ket qua",  # «Kết quả: 95%», «Đạt trên 95%»
        "tl", "thu nhap", "tn", "tnbq",  # «TL: 92,5%», «TN: 45,5 triệu»
    )
)  # fmt: skip
# Words that leave a figure the value only when it is a percentage ("Còn 1,7%", "Có 91,3% số
# hộ"; not "Còn 5 hộ", "Có 02 HTX", which count something else).
_BEFORE_PERCENT = frozenset({("con",), ("co",), ("giam", "con")})
_LEADING_WORDS = re.compile(
    r"\s*((?:[^\W\d_]+(?:\s*[:,;]\s*|\s*[\-\u2013]\s+|\s+)){1,3})"
    r"(?=(?:[≈~<>≤≥=+\-\u2212\u2013(]\s*)*[.,]?\d)"
)  # «Trên 90%», «Tỷ lệ: 92%», «Đạt - 99,2%», «Đạt, 99,2%», «Đạt > 95%»
# "12/12", "3:3", "3 trường/3 trường": two numbers, even if equal
_TWO_NUMBERS = re.compile(r"\d\s*(?:[^\W\d_]+\s*){0,3}[/:]\s*[.,]?\d")
# A count (or a length) of a total and what is counted: "12/15 thôn", "3 / 3 trường học", "9
# thôn/12 thôn", "2.970 hộ/3.000 hộ" (what is counted said on both sides), "12,5/13,2 km";
# "1/1" alone only with the percentage it makes ("1/1 (100%)").
_COUNT = r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,6}(?:[.,]\d{1,2})?"
_SHARE = re.compile(
    rf"\s*(?P<part>{_COUNT})\s*(?P<unit>[^\W\d_][^\d/%]*?)?\s*/\s*(?P<whole>{_COUNT})"
    r"(?:\s*(?P<what>[^\W\d_][^\d%]*))?"
)
# The percentage a share is stated as after it: "12/12 thôn = 100%", "8/10 thôn, đạt 80%".
_STATED_SHARE = re.compile(
    r"\s*(?:=|:|[-–,;]\s*(?:đạt|bằng|chiếm)?|\s(?:đạt|bằng|chiếm))\s*(?P<percent>\d[\d.,]*\s*%)\s*",
    re.IGNORECASE,
)
# A count and what is counted, then its percentage alone in brackets: "25 hộ (1,7%)".
_COUNT_THEN_PERCENT = re.compile(
    r"\s*[.,]?\d[\d.,]*\s*[^\W\d_][^\d%()\[\]]*(?P<bracket>\([^()]*\)|\[[^\[\]]*\])\s*"
)
# A count and what is counted, nothing else: "802 hộ", "1.234 hộ dân".
_COUNTED = re.compile(r"\s*[.,]?\d[\d.,]*\s*[^\W\d_][^\d%/()\[\]]*")
# A percentage, then the standard it is held against: "87,5%/80%", "87,5% / ≥80%".
_PERCENT_OVER_STANDARD = re.compile(
    r"\s*(?P<value>[.,]?\d[\d.,]*\s*%)\s*/\s*[≥>=]*\s*[.,]?\d[\d.,]*\s*%\s*"
)
# Figures of several years in one cell: "2020: 2,5%; 2021: 1,7%", "Năm 2020: 93% - Năm 2021: 96%".
_YEAR_LABEL = re.compile(r"(?:\bnăm\s*)?\b((?:19|20)\d\d)\s*:", re.IGNORECASE)
# A year opening a cell, with its separator: «Năm 2021: », «2021 - »
_YEAR_FIRST = re.compile(r"\s*(?:năm\s*)?(?:19|20)\d\d\s*[:\-–—,;]\s*", re.IGNORECASE)
# The longest text a figure is looked for in: a figure with its comment («Đạt 100% (12/12
# thôn)») is far shorter, and the figure rules take time growing with the square of a text
# of digits and signs («1.,1.,…» over 30,000 characters: seconds a cell)
MAX_FIGURE_TEXT = 300
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
# A figure over a floor or under a ceiling («< 90%», «≤ 3%»): a bound, like «dưới 90%», not
# the value (kept as text)
_UPPER_BOUND = ("<", "≤", "=<")
# A fraction and its percentage in brackets: «0,925 (92,5%)» (a bracket giving another
# figure contradicts it)
_FRACTION_AND_PERCENT = re.compile(
    r"\s*(?P<figure>[.,]?\d[\d.,]*)\s*[(\[]\s*(?P<percent>[.,]?\d[\d.,]*\s*%)\s*[)\]]\s*"
)
# Money in thousands or billions of đồng, or by the month («45 nghìn», «0,045 tỷ», «3.500.000
# đồng/tháng»): not the million đồng a year an income is counted in (kept as text)
_OTHER_MONEY_SCALE = re.compile(
    r"\d\s*(?:nghìn|ngàn|ngh\.|tỷ|tỉ)(?![^\W\d_])|/\s*tháng(?![^\W\d_])", re.IGNORECASE
)
# Thousands grouped by spaces, as a word processor or a French-set Excel writes them ("1 234,5",
# "45 500 000 đồng"; any space was made plain by `nfc`): the groups are one number.
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d]| \d)")

MET_TEXT = "Đạt"
NOT_MET_TEXT = "Chưa đạt"
YES_TEXT = "Có"
NO_TEXT = "Không"


@dataclass(frozen=True)
class ParsedValue:
    """A cell's value: a number (percentages on the 0–100 scale), canonical text, or None."""

    value: float | str | None
    raw: str  # the cell as typed, as text ("" when blank)
    percent: bool  # written or formatted as a percentage
    estimate: bool = False  # the figure is said to be an estimate ("Ước đạt 92,5%")


def clean_float(number: float) -> float:
    """Round away binary noise: 10 significant digits (0.855 * 100 → 85.5).

    Integer parts of ten digits or more are kept whole (no fraction).
    """
    if not math.isfinite(number) or number == int(number):
        return float(number)
    digits = len(str(int(abs(number)))) if abs(number) >= 1 else 0
    return float(round(number, max(0, 10 - digits)))


def _body_value(body: str) -> Decimal | None:
    """The value of a digits-and-separators token under the conventions above."""
    body = body.rstrip(".,")
    if body[0] in ".,":
        body = "0" + body
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal_mark = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        if body.count(decimal_mark) > 1:
            return None
        whole, fraction = body.split(decimal_mark)
        return _grouped(whole, thousands, fraction)
    if commas:
        if commas == 1:
            return Decimal(body.replace(",", "."))
        return _grouped(body, ",", "")
    if dots > 1:
        return _grouped(body, ".", "")
    if dots == 1:
        whole, fraction = body.split(".")
        if len(fraction) == 3 and len(whole) <= 3 and not whole.startswith("0"):
            return Decimal(whole + fraction)
        return Decimal(body)
    return Decimal(body)


def _grouped(whole: str, separator: str, fraction: str) -> Decimal | None:
    groups = whole.split(separator)
    if not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:]):
        return None
    return Decimal("".join(groups) + ("." + fraction if fraction else ""))


def _numbers(text: str) -> list[tuple[float | None, bool]]:
    """Every number of a text: (value, or None when malformed; written with "%")."""
    found = []
    for match in _NUMBER.finditer(text):
        value = _body_value(match["body"])
        sign = match["sign"]
        if sign and not _SIGN_CONTEXT.search(text[max(match.start() - 1, 0) : match.start()]):
            sign = ""  # a dash between words or numbers ("2019-2020"), not a sign
        if value is not None:
            value = clean_float(float(-value if sign and sign != "+" else value))
        found.append((value, bool(match["percent"])))
    return found


def _single_number(text: str) -> tuple[float, bool] | None:
    numbers = _numbers(text)
    values = {value for value, _ in numbers}
    if len(values) != 1 or None in values or _TWO_NUMBERS.search(text):
        return None
    return values.pop(), any(percent for _, percent in numbers)


def _after_leading_words(text: str) -> str:
    """The figure after the words typed before it ("Trên 90%" → "90%", "Đạt 99,9%" →
    "99,9%"); the text unchanged unless those words are all it has before the figure."""
    match = _LEADING_WORDS.match(text)
    if match is None:
        return text
    words = tuple(map(vocab_key, _LETTER_WORD.findall(match[1])))
    rest = text[match.end() :]
    if words in _LEADING_PHRASES:
        return rest
    if words in _BEFORE_PERCENT and (figure := _NUMBER.search(rest)) and figure["percent"]:
        return rest
    stated = _STATED_SHARE.search(rest)
    if words in _BEFORE_PERCENT and stated and stated.end() == len(rest):
        return rest  # «Có 450/520 ha, đạt 86,5%»
    if words in _BEFORE_PERCENT and _percent_beside_count(rest):
        return rest  # «Còn 25 hộ (1,7%)»
    return text


def _share(text: str) -> float | None:
    """The share a count of a total gives, on the 0–100 scale: "12/15 thôn" → 80.0, "9/12
    thôn (75%)", "9/12 thôn = 75%" → 75.0 (a percentage stated with it must agree), "9
    thôn/12 thôn" → 75.0, "12,5/13,2 km (94,7%)" → 94.7; None for anything else, such as
    "17/20" without what is counted or its percentage (a date, a score?), a count above its
    total, or two different things counted."""
    stated = None
    if (found := _STATED_SHARE.search(text)) and found.end() == len(text):
        text, stated = text[: found.start()], _single_number(found["percent"])
    head = _commented(text)
    match = _SHARE.fullmatch(head)
    if match is None:
        return None
    what, unit = match["what"], match["unit"]
    if unit and not (what and vocab_key(what).startswith(vocab_key(unit))):
        return None
    part, whole = _body_value(match["part"]), _body_value(match["whole"])
    if not whole or part > whole or (part <= 12 and 1900 <= whole <= 2100):  # «06/2019»: a date
        return None
    share = clean_float(float(part * 100 / whole))
    said = [_single_number(bracket[1:-1]) for bracket in BRACKETS.findall(text[len(head) :])]
    if not what and not (said or stated):
        return None
    for figure in [*said, stated] if stated else said:
        if figure is None or not figure[1] or abs(figure[0] - share) > 0.5:
            return None
    return share


def _percent_beside_count(text: str) -> tuple[float, bool] | None:
    """The percentage a count is given with alone in brackets ("25 hộ (1,7%)" → 1.7)."""
    match = _COUNT_THEN_PERCENT.fullmatch(text)
    if match is None:
        return None
    inner = match["bracket"][1:-1].strip()
    found = _single_number(inner)
    return found if found is not None and found[1] and _NUMBER.fullmatch(inner) else None


def _percent_after_count(text: str) -> tuple[float, bool] | None:
    """The percentage a count is stated as after it ("802 hộ, đạt 65%", "802 hộ = 65%" →
    65)."""
    found = _STATED_SHARE.search(text)
    if found is None or found.end() != len(text):
        return None
    return _single_number(found["percent"]) if _COUNTED.fullmatch(text[: found.start()]) else None


def _fraction_and_percent(text: str) -> tuple[float, bool] | None:
    """The percentage a figure is given with in brackets when the two agree ("0,925
    (92,5%)" → 92.5); None otherwise («98,5 (62%)» may be a composite's part)."""
    match = _FRACTION_AND_PERCENT.fullmatch(text)
    if match is None:
        return None
    figure, percent = _single_number(match["figure"]), _single_number(match["percent"])
    if figure is None or percent is None:
        return None
    if abs(figure[0] - percent[0]) <= 0.05 or abs(figure[0] * 100 - percent[0]) <= 0.05:
        return percent
    return None


def _percent_over_standard(text: str) -> tuple[float, bool] | None:
    """A percentage written over the standard it meets ("87,5%/80%" → 87.5)."""
    match = _PERCENT_OVER_STANDARD.fullmatch(text)
    return _single_number(match["value"]) if match else None


def _latest_year(text: str) -> tuple[float, bool] | None:
    """The figure of the latest year of a cell that gives one per year ("2020: 2,5%; 2021:
    1,7%" → 1.7, "Năm 2021: 92,5%" → 92.5); None unless every part is a year and its single
    figure."""
    marks = list(_YEAR_LABEL.finditer(text))
    if not marks or text[: marks[0].start()].strip():
        return None
    figures: dict[str, tuple[float, bool]] = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(text)
        found = _single_number(text[mark.end() : end].strip(" ;,-–—"))
        if found is None or mark[1] in figures:
            return None
        figures[mark[1]] = found
    return figures[max(figures)]


def _by_lines(cell: str, vocabulary: Vocabulary) -> ParsedValue | None:
    """A cell of several lines whose percentages agree ("1.520/2.156 hộ⏎70,5%" → 70.5), or
    whose figures all agree; None otherwise."""
    readings = [parse_value(line, "", vocabulary) for line in cell.splitlines() if line.strip()]
    figures = [r for r in readings if isinstance(r.value, float)]
    chosen = [r for r in figures if r.percent] or figures
    if len(readings) < 2 or not chosen:
        return None
    if max(r.value for r in chosen) - min(r.value for r in chosen) > 0.5:
        return None
    return ParsedValue(chosen[-1].value, nfc(cell), chosen[-1].percent, chosen[-1].estimate)


def blank_text(text: str) -> bool:
    """Whether a text holds nothing but spaces and dashes or dots ("-", "—", "…")."""
    return _BLANK.fullmatch(text) is not None


@memoised_text  # budgets and totals repeat from file to file
def parse_number(text: str) -> float | None:
    """The one number written in a text ("1.234,5" → 1234.5, "≈ 98 %" → 98.0), else None."""
    found = _single_number(nfc(text))
    return None if found is None else found[0]


_ASSESSMENT_TEXT = {"dat": "Đạt", "chua_dat": "Chưa đạt", "co": "Có", "khong": "Không"}


# Words that make «Đạt» a forecast, not a verdict: «Đạt (dự kiến)», «Đạt (phấn đấu)», «Đạt
# (ước)» (a «Chưa đạt» forecast is still not met)
_FORESEEN_PHRASES = (("du", "kien"), ("phan", "dau"), ("uoc",))
_FORESEEN = re.compile(r"ki[eếẾ]n|[đĐ][aấẤ]u|[ưƯ][oớỚ]c", re.IGNORECASE)
# Between two verdicts of one cell: «Đạt, Chưa đạt», «Đạt; Chưa đạt», «Chưa đạt → Đạt» (which
# one holds?); two opposite ones leave the cell unread
_BETWEEN_VERDICTS = re.compile(r"[,;→]|->|=>")
_OPPOSITES = ({"dat", "chua_dat"}, {"co", "khong"})
# Footnote marks after a verdict: «Đạt¹», «Đạt*»
_MARKS_AFTER = " *\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"
# «Dạt», «Chưa dạt»: a word typed with «d» for «đ» (hurried typing, no Vietnamese keyboard)
_BARLESS_D = re.compile(r"\b[dD](?=[^\W\d_])")


def _assessment(text: str, vocabulary: Vocabulary) -> str | None:
    """The canonical assessment a text spells, if any ("đạt (100%)" → "Đạt"): the words of
    the vocabulary's `danh_gia` rows; what is in brackets is a comment."""
    found = _assessment_row(text, vocabulary)
    if found and "/" in text:  # «Đạt/Chưa đạt»: the template's choices, left unchosen
        sides = [_assessment_row(side, vocabulary) for side in text.split("/")]
        if all(sides) and len({side.meaning for side in sides}) > 1:
            return None
    if found and found.meaning == "dat" and _FORESEEN.search(text):
        words = {vocab_key(word) for word in _LETTER_WORD.findall(text)}
        if any(set(phrase) <= words for phrase in _FORESEEN_PHRASES):
            return None  # «Đạt (dự kiến)», «Đạt (phấn đấu)»: not met yet
    if found and _BETWEEN_VERDICTS.search(text):  # «Đạt, Chưa đạt», «Chưa đạt → Đạt»
        sides = [_assessment_row(side, vocabulary) for side in _BETWEEN_VERDICTS.split(text)]
        meanings = {side.meaning for side in sides if side}
        if any(pair <= meanings for pair in _OPPOSITES):
            return None
    return _ASSESSMENT_TEXT[found.meaning] if found else None


def _assessment_row(text: str, vocabulary: Vocabulary) -> Match | None:
    """The `danh_gia` row a text matches; a text matching none is tried again with each
    word-initial «d» read as «đ» («Dạt» → «Đạt»)."""
    text = BRACKETS.sub(" ", text).rstrip(_MARKS_AFTER)
    found = vocabulary.match("danh_gia", text)
    if found is None and _BARLESS_D.search(text):
        barred = _BARLESS_D.sub(lambda d: "Đ" if d[0] == "D" else "đ", text)
        found = vocabulary.match("danh_gia", barred)
    return found


def _without_estimate(text: str, vocabulary: Vocabulary) -> tuple[str, bool]:
    """The text with the vocabulary's estimate words taken out ("Ước đạt 92,5%" → "92,5%")."""
    words = list(_LETTER_WORD.finditer(text))
    if not words or not vocabulary.estimate_phrases:
        return text, False
    keys = [vocab_key(word.group()) for word in words]
    cuts = []
    index = 0
    while index < len(keys):
        phrase = next(
            (p for p in vocabulary.estimate_phrases if tuple(keys[index : index + len(p)]) == p),
            None,
        )
        if phrase is None:
            index += 1
            continue
        cuts.append((words[index].start(), words[index + len(phrase) - 1].end()))
        index += len(phrase)
    if not cuts:
        return text, False
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return _EMPTY_BRACKETS.sub(" ", text).strip(" :,;-"), True


def _number_value(number: float, number_format: str) -> ParsedValue:
    """A finite number cell as `parse_value` reads it."""
    if _percent_format(number_format):
        scaled = clean_float(number * 100)
        return ParsedValue(scaled, _number_text(scaled) + "%", True)
    number = clean_float(number)
    return ParsedValue(number, _number_text(number), False)


# Figures and formats repeat from file to file: the reading of each pair is remembered.
_remembered_number_value = functools.lru_cache(maxsize=1 << 12)(_number_value)


@functools.lru_cache(maxsize=256)
def _percent_format(number_format: str) -> bool:
    """Whether an Excel number format scales by 100 (a "%" outside quotes and escapes)."""
    unquoted = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in unquoted


def _number_text(number: float) -> str:
    return f"{number:.15g}"


def parse_value(
    cell: object, number_format: str = "", vocabulary: Vocabulary | None = None
) -> ParsedValue:
    """Read a value cell as a reader returns it (None, str, int, float, bool, date).

    - blank, "-", "—", "…" → None;
    - a number stays a float; with a percent number format it is a fraction and is scaled
      by 100 (0.855 → 85.5, percent=True); without one it is kept as is;
    - bool → "Có" / "Không"; a date → "dd/mm/yyyy" text;
    - text is first read as an assessment with the vocabulary's `danh_gia` words: "Đạt",
      "đạt chuẩn", "Đạt (98%)" → "Đạt" (a number beside an assessment is a comment); "Chưa
      đạt", "Không đạt", "K đạt", "chưa" → "Chưa đạt"; "Có", "x", "✓" → "Có"; "Không", "Ko",
      "không có" → "Không";
    - then as a figure with words around it: an apostrophe typed before it ("'97"), a
      footnote after it ("92,5¹", "92,5 (1)", "92,5*"), estimate words of the vocabulary
      anywhere ("Ước đạt 92,5%", "100 (ước)": estimate=True), a unit after it ("45,2 triệu
      đồng/người", "≈ 98 %", "85,5%", the sign first: "% 99,2");
    - any other text is kept (NFC), including text that merely mentions a number
      ("Đã phê duyệt năm 2019"), and what only looks like a figure: "1e5", "0x1F", "=1+1".
    """
    if cell is None:
        return ParsedValue(None, "", False)
    if isinstance(cell, bool):
        return ParsedValue(YES_TEXT if cell else NO_TEXT, "TRUE" if cell else "FALSE", False)
    if isinstance(cell, datetime | date):
        day = cell.date() if isinstance(cell, datetime) else cell
        text = day.strftime("%d/%m/%Y")
        return ParsedValue(text, text, False)
    if isinstance(cell, int | float | Decimal):
        number = float(cell)
        if not math.isfinite(number):
            return ParsedValue(None, "", False)
        if number == 0:  # 0.0 and -0.0 are one key to a cache: read each afresh
            return _number_value(number, number_format or "")
        return _remembered_number_value(number, number_format or "")
    cell = str(cell)
    vocabulary = vocabulary or bundled_vocabulary()
    if "\n" in cell and (by_lines := _by_lines(cell, vocabulary)) is not None:
        return by_lines
    text = nfc(cell)
    figure = text.lstrip(_APOSTROPHES)
    if _BLANK.fullmatch(figure):
        return ParsedValue(None, "", False)
    assessment = _assessment(figure, vocabulary)
    year = _YEAR_FIRST.match(figure) if assessment is None else None
    if year and len(_YEAR_LABEL.findall(figure)) < 2:  # «Năm 2021: Đạt», not one per year
        assessment = _assessment(figure[year.end() :], vocabulary)
    if len(figure) > MAX_FIGURE_TEXT:  # no figure looked for: the verdict, else the text
        return ParsedValue(text if assessment is None else assessment, text, False)
    if assessment is not None:
        found = _bracketed_figure(figure) or _figure_after_verdict(figure)
        if found is not None and _NOT_A_FIGURE.search(figure):
            found = None  # «Đạt (1OO%)»: the verdict only
        if found is not None and not _a_year(*found):  # «Đạt (100%)»: the figure is the
            return ParsedValue(found[0], text, found[1])  # value, the word its verdict
        return ParsedValue(assessment, text, False)
    figure, estimate = _without_estimate(figure, vocabulary)
    figure = _after_leading_words(_FOOTNOTE.sub("", figure))
    if figure[:1] == "%":
        figure = _percent_last(figure)
    if " " in figure:
        figure = _SPACED_THOUSANDS.sub(lambda groups: groups[0].replace(" ", ""), figure)
    if (found := _latest_year(figure)) is not None:
        return ParsedValue(found[0], text, found[1], estimate)
    if figure.startswith(_UPPER_BOUND):
        return ParsedValue(text, text, False)  # «< 90%»: below 90, not 90
    if _NUMBER_LEAD.match(figure) and not _NOT_A_FIGURE.search(figure):
        found = (
            _single_number(figure)
            or _percent_beside_count(figure)
            or _percent_after_count(figure)
            or _percent_over_standard(figure)
            or _fraction_and_percent(figure)
            or _single_number(_commented(figure))
        )
        if found is not None and not found[1] and _OTHER_MONEY_SCALE.search(figure):
            return ParsedValue(text, text, False)  # «45 nghìn», «0,045 tỷ»: not millions
        if found is not None:
            return ParsedValue(found[0], text, found[1], estimate)
        share = _share(figure)
        if share is not None:
            return ParsedValue(share, text, True, estimate)
    return ParsedValue(text, text, False)


def _percent_last(text: str) -> str:
    """A percentage typed with its sign first («% 99,2», «%88,6») as written the usual way
    («99,2%»); any other text unchanged."""
    figure = text[1:].strip()
    match = _NUMBER.fullmatch(figure)
    return figure + "%" if match and not match["percent"] and not match["sign"] else text


def _a_year(number: float, percent: bool) -> bool:
    """Whether a figure beside a verdict is the year it was reached («Đạt (2019)», «Đạt
    2021»), not a value."""
    return not percent and number == int(number) and 1900 <= number <= 2100


def _bracketed_figure(text: str) -> tuple[float, bool] | None:
    """The figure that a bracket after a word holds alone ("Đạt (98,5%)" → 98.5)."""
    brackets = BRACKETS.findall(text)
    if len(brackets) != 1:
        return None
    inner = brackets[0][1:-1].strip()
    match = _NUMBER.fullmatch(inner.lstrip("≈~ "))
    return _single_number(inner) if match else None


def _figure_after_verdict(text: str) -> tuple[float, bool] | None:
    """The figure that follows a verdict alone ("Đạt 99,9%" → 99.9, "Đạt 12/12 thôn" →
    100.0, "Đạt 92,5%/90%" → 92.5), with a comment in brackets after it or not."""
    figure = _after_leading_words(text)
    if figure == text or not _NUMBER_LEAD.match(figure) or figure.startswith(_UPPER_BOUND):
        return None
    found = _single_number(figure) or _percent_over_standard(figure)
    if found is None and (share := _share(figure)) is not None:  # «Đạt 12/12 thôn» → 100
        return share, True
    return found or _single_number(_commented(figure))  # «Đạt 100% (12/12 thôn)»


def _commented(text: str) -> str:
    """A figure with the comments after it in brackets taken out ("100% (12/12 thôn)" →
    "100%"); the text unchanged when anything but brackets follows the figure."""
    head = text.split("(", 1)[0].split("[", 1)[0]
    rest = text[len(head) :]
    return head.strip() if rest and not BRACKETS.sub("", rest).strip() else text


def strip_footnote(text: str) -> str:
    """A value as written without a footnote mark after its figure ("92,5¹", "92,5 (1)")."""
    return _FOOTNOTE.sub("", text.strip())


# A figure opening a self-assessment cell, with its separator: «99,2% - », «41,5, »
_FIGURE_FIRST = re.compile(r"[≥≤<>~≈]?\s*\d[\d.,]*\s*%?\s*[-–—:,;]?\s*")


def parse_assessment(cell: object, vocabulary: Vocabulary | None = None) -> Status:
    """A self-assessment cell: "Đạt", "Đạt (98%)", "99,2% - Đạt", "TĐG: Đạt" → MET, "Chưa
    đạt" (and spellings) → NOT_MET, else UNKNOWN."""
    if isinstance(cell, str):
        text = nfc(cell).strip().lstrip(_APOSTROPHES)
        vocabulary = vocabulary or bundled_vocabulary()
        value = _assessment(text, vocabulary) if text else None
        figure = _FIGURE_FIRST.match(text) if value is None else None
        if figure and _YEAR_LABEL.match(text):  # «2020: Đạt; 2021: Chưa đạt»: a year
            figure = None
        if figure and figure.end() < len(text):  # «99,2% - Đạt»: the verdict after the figure
            value = _assessment(text[figure.end() :], vocabulary)
        if value is None and ":" in text:  # «TĐG: Đạt», «Năm 2020: Chưa đạt; 2021: Đạt»
            value = _assessment(text.rsplit(":", 1)[1].strip(), vocabulary)
    else:
        value = parse_value(cell, "", vocabulary).value
    if value == MET_TEXT:
        return Status.MET
    if value == NOT_MET_TEXT:
        return Status.NOT_MET
    return Status.UNKNOWN


_DAY_FIRST = re.compile(r"(\d{1,2})([/\-.])(\d{1,2})\2(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(cell: object, excel_serial: bool = False) -> date | None:
    """A cell holding a plain date, else None.

    Accepts date/datetime objects, day-first text ("31/3/2021", "31-03-2021", "31.3.2021",
    "5-2-21" → 2021) and ISO text ("2021-03-31"). Month-first is never guessed
    ("13/31/2021" → None). Numbers are Excel serial dates only when `excel_serial` is set.
    """
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int | float):
        if not excel_serial or not 1 <= cell < 2958466 or cell != int(cell):
            return None
        serial = int(cell)
        if serial == 60:  # Excel's non-existent 29/02/1900
            return None
        return _EXCEL_EPOCH + timedelta(days=serial + (1 if serial < 60 else 0))
    if not isinstance(cell, str):
        return None
    text = nfc(cell)
    try:
        if match := _DAY_FIRST.fullmatch(text):
            day, _, month, year = match.groups()
            full_year = int(year) + (2000 if len(year) == 2 else 0)
            return date(full_year, int(month), int(day))
        if match := _ISO.fullmatch(text):
            year, month, day = match.groups()
            return date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None
