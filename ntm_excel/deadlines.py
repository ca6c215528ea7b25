"""Vietnamese deadline phrases ("trong quý I/2021", "trước ngày 10/2/2021", …) read as dates.

A phrase is folded (case, diacritics and spacing ignored), its date expressions are found and
every other word must be a filler of the vocabulary (`thoi_han` rows: "trong", "chậm nhất",
"trước", "hoàn thành" …), so that nothing is silently dropped. Day-first dates may be written
with "/", "-" or "." and a two-digit year ("10.4.2021", "30/6/21"). A bare number is an Excel
serial date (44286 → 31/03/2021, also typed as text in a text-formatted column) when it falls
between 2000 and 2100, a bare year (2021) the year's end. Anything that cannot be read one way
only raises `DeadlineError`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from ntm_excel.errors import DeadlineError
from ntm_excel.text import fold, nfc, shown
from ntm_excel.values import BRACKETS, blank_text, parse_date
from ntm_excel.vocabulary import Vocabulary, bundled_vocabulary

MILESTONE_LABELS = {"khoi cong": "khởi công", "hoan thanh": "hoàn thành"}

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MIN_YEAR, _MAX_YEAR = 1900, 2100

# Numeric groups such as "10/2/2021", "5-2-21", "2021-03-31" or "3 / 2021" keep their
# separators (as "/") while the words around them are folded.
_NUMERIC = re.compile(r"((?<!\d)\d+(?:\s*[/.\-–]\s*\d+)+)")
_SEPARATOR = re.compile(r"\s*[/.\-–]\s*")
_B = r"(?<![\w/])"  # start of a token
_E = r"(?![\w/])"  # end of a token
_YEAR_SEP = r"(?:/| nam | )"
_EXPRESSION = re.compile(
    "|".join(
        [
            rf"{_B}6 thang (?P<half>dau|cuoi) nam(?: (?P<half_y>\d{{4}}))?{_E}",
            rf"{_B}(?:ngay )?(?P<vn_d>\d{{1,2}}) thang (?P<vn_m>\d{{1,2}})"
            rf"(?: nam (?P<vn_y>\d{{4}}))?{_E}",
            rf"{_B}(?P<iso_y>\d{{4}})/(?P<iso_m>\d{{1,2}})/(?P<iso_d>\d{{1,2}}){_E}",
            rf"{_B}(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})(?:/(?P<y>\d{{4}}|\d{{2}}))?{_E}",
            rf"{_B}(?P<my_m>\d{{1,2}})/(?P<my_y>\d{{4}}){_E}",
            rf"{_B}thang (?P<month>\d{{1,2}})(?:{_YEAR_SEP}(?P<month_y>\d{{4}}))?{_E}",
            rf"{_B}quy (?P<quarter>iv|iii|ii|i|[1-4])(?:{_YEAR_SEP}(?P<quarter_y>\d{{4}}))?{_E}",
            rf"{_B}nam(?: (?P<year>\d{{4}}))?{_E}",
            rf"{_B}(?P<bare_y>(?:19|20)\d\d){_E}",  # «Đến 2025», «Trước 2022»
        ]
    )
)
_LABEL = re.compile(r"\b(khoi cong|hoan thanh)\b")
# A deadline moved, written after the first: «…, gia hạn đến 30/9/2021», «(lùi sang quý IV)»
_MOVED = re.compile(
    r"(?:^|[(,;\s-])\s*(?:đã\s+)?(?:gia\s+hạn|lùi|dời|chuyển|điều\s+chỉnh)"
    r"(?:\s+(?:thời\s+hạn|thời\s+gian|lại|đến|sang|tới|vào|thành))*\s*:?",
    re.IGNORECASE,
)
_WAVE = re.compile(r"\b(?:đợt|dot)\s*(\d{1,2})\s*[:.)\-–]?", re.IGNORECASE)  # «Đợt 1: …»
_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")  # after a date
_SPAN_DASH = re.compile(r"\s[-–—]\s")  # "Tháng 6/2021 - Tháng 8/2021": a span
_SPELLINGS = [
    (re.compile(r"\bthang (?=quy\b)"), ""),  # the plan writes "trong tháng quý I/2021"
    (re.compile(r"\bqui\b"), "quy"),  # "Quí 2/2021"
    (re.compile(r"\bth? ?(?=\d)"), "thang "),  # "T6/2021", "T6", "Th6"
    (re.compile(r"\bq ?(?=\d|(?:iv|iii|ii|i)\b)"), "quy "),  # "Q2/2021", "Q.II", "Q3"
    # a two-digit year after a month or a quarter: «T9/21», «Q3/21», «Quý IV/21»
    (
        re.compile(r"\b(thang \d{1,2}/|quy (?:(?:iv|iii|ii|i) ?|[1-4])/?)(\d\d)(?![\d/])"),
        lambda m: f"{m[1].rstrip(' /')}/20{m[2]}",
    ),
]
# Months an English Excel writes as text: «30-Jun-21», «Sep-21», «Dec 2021»
_ENGLISH_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()  # noqa: SIM905
_ENGLISH_DATE = re.compile(
    r"\b(?:(\d{1,2})[\s-])?(" + "|".join(_ENGLISH_MONTHS) + r")[a-z]*\.?[\s-]+(\d{4}|\d\d)\b"
)
# A month or a quarter, then its year after a spaced dash: «Quý II - 2021», «Tháng 6 – 2021»
# (a spaced dash otherwise joins the two ends of a span)
_YEAR_AFTER_DASH = re.compile(
    r"\b((?:quý|quí|q|tháng|t)\.?\s*(?:iv|iii|ii|i|\d{1,2}))\s+[-–—]\s+((?:19|20)\d\d)(?![\d/.])",
    re.IGNORECASE,
)
_SPAN_WORDS = (["den"], ["toi"])  # between the two ends of a span
# Lists and ranges written short, due at the end of their last part: «Tháng 10-11/2021»,
# «T10, T11/2021», «Quý III-IV/2021», «Quý I, II/2021», «2021-2022», «15-30/6/2021».
_AND = r"\s*(?:[-–—,;&]|và|đến)\s*"
_ROMAN_OR_DIGIT = r"(iv|iii|ii|i|[1-4])\b"
_SHORT_RANGES = [
    (  # two dates joined by a dash without spaces: «01/3/2021-30/6/2021», «15/6-30/7/2021»
        re.compile(
            r"(?<![\d/.])(\d{1,2}[/.]\d{1,2}(?:[/.]\d{4})?)\s*[-–—]\s*(\d{1,2}[/.]\d{1,2}[/.]\d{4})(?![\d/.])"
        ),
        r"\1 đến \2",
    ),
    (
        re.compile(
            rf"\b(?:tháng|t)\s*(\d{{1,2}}){_AND}(?:tháng|t)?\s*(\d{{1,2}})"
            r"(?=\s*(?:/|năm\b)\s*\d{4}|\s*$)",
            re.IGNORECASE,
        ),
        r"tháng \1 đến tháng \2",
    ),
    (
        re.compile(
            rf"\b(?:quý|quí|q)\.?\s*{_ROMAN_OR_DIGIT}{_AND}(?:quý|quí|q)?\.?\s*{_ROMAN_OR_DIGIT}",
            re.IGNORECASE,
        ),
        r"quý \1 đến quý \2",
    ),
    (
        re.compile(
            r"(?:\bnăm\s*)?(?<![\d/.\-])((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)(?![\d/.\-])",
            re.IGNORECASE,
        ),
        r"năm \1 đến năm \2",
    ),
    (
        re.compile(r"(?<![\d/.\-])(\d{1,2})\s*[-–—]\s*(\d{1,2})/(\d{1,2})(?=/\d{2,4}\b|\s*$)"),
        r"\1/\3 đến \2/\3",
    ),
]
# «6-9/2021» without «tháng»: months 6 to 9, or the 6th of September? Not guessed.
_MONTHS_OR_DAY = re.compile(
    r"(?<![\d/.\-])(?:0?[1-9]|1[0-2])\s*[-–—]\s*(?:0?[1-9]|1[0-2])\s*/\s*(?:19|20)\d\d(?![\d/.\-])"
)


@dataclass(frozen=True)
class Milestone:
    """One due date of a deadline; `label` is "" for a single deadline."""

    label: str
    due: date


_SERIAL_YEARS = (2000, 2100)  # a bare number is a serial date only within these years


_SERIAL_DIGITS = 7  # digits of Excel's last serial date (2958465, 31/12/9999)


def _bare_number(number: float, text: str) -> date:
    """A deadline typed as a bare number: an Excel serial date, or a year."""
    if number == int(number) and _MIN_YEAR <= number <= _MAX_YEAR:
        return date(int(number), 12, 31)
    day = parse_date(number, excel_serial=True)
    if day is None or not _SERIAL_YEARS[0] <= day.year <= _SERIAL_YEARS[1]:
        raise DeadlineError(text, "không phải ngày hoặc cụm từ chỉ thời hạn")
    return day


def parse_deadline(
    value: object, *, year: int | None = None, vocabulary: Vocabulary | None = None
) -> list[Milestone]:
    """The milestones of a deadline cell: a date, a serial number, a Vietnamese phrase, or
    blank (→ [])."""
    if value is None:
        return []
    if isinstance(value, datetime):
        return [Milestone("", value.date())]
    if isinstance(value, date):
        return [Milestone("", value)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [Milestone("", _bare_number(value, f"{value:g}"))]
    if not isinstance(value, str):
        raise DeadlineError(str(value), "không phải ngày hoặc cụm từ chỉ thời hạn")
    text = nfc(value)
    if ":" in text and (day := parse_date(_TIME_OF_DAY.sub("", text))):
        return [Milestone("", day)]  # «2021-12-31 00:00:00», «31/12/2021 0:00»
    if text.isascii() and text.isdigit():  # 30,000 digits are no serial date (nor an int)
        if len(text) > _SERIAL_DIGITS:
            raise DeadlineError(text, "không phải ngày hoặc cụm từ chỉ thời hạn")
        return [Milestone("", _bare_number(int(text), text))]
    if _MOVED.search(text):  # «30/6/2021, gia hạn đến 30/9/2021»: the new one
        rest = text
        while moved := _MOVED.search(rest):  # moved again: the last (a loop, not a recursion)
            rest = rest[moved.end() :].strip(" ).:")
        try:
            found = parse_deadline(rest, year=year, vocabulary=vocabulary)
        except DeadlineError as exc:
            raise DeadlineError(text, exc.reason) from None
        if not found:
            raise DeadlineError(text, "không ghi thời hạn mới")
        return found
    waves = _WAVE.split(text)
    if len(waves) > 2 and not waves[0].strip(" ;,."):  # «Đợt 1: tháng 5/2021; đợt 2: …»
        return _waves(text, waves[1::2], waves[2::2], year, vocabulary)
    key = _key(text)
    if not key and not blank_text(text):  # «???», «*»: something typed, no date in it
        raise DeadlineError(text, "không có ngày, tháng, quý hoặc năm")
    if not key:
        return []
    reader = _Reader(text, year, (vocabulary or bundled_vocabulary()).deadline_words)
    try:
        return _milestones(key, reader)
    except DeadlineError:
        bare = _key(BRACKETS.sub(" ", text))  # «31/12/2021 (dự kiến)»: a note in brackets
        if bare == key or not bare:
            raise
        return _milestones(bare, reader)


def _waves(
    text: str, numbers: list[str], parts: list[str], year: int | None, vocabulary: Vocabulary | None
) -> list[Milestone]:
    """The milestones «đợt 1», «đợt 2» … of a deadline given wave by wave."""
    milestones = []
    for number, part in zip(numbers, parts, strict=True):
        try:
            found = parse_deadline(part.strip(" ;,."), year=year, vocabulary=vocabulary)
        except DeadlineError as exc:
            raise DeadlineError(text, exc.reason) from None
        if len(found) != 1:
            raise DeadlineError(text, f"đợt {number} không ghi thời hạn")
        milestones.append(Milestone(f"đợt {number}", found[0].due))
    return milestones


def _milestones(key: str, reader: _Reader) -> list[Milestone]:
    """The milestones of a folded deadline phrase."""
    labels = list(_LABEL.finditer(key))
    if not any(m.group(1) == "khoi cong" for m in labels):
        words = key.split()
        if "tu" in words and "nay" not in words and not {"den", "toi"} & set(words):
            raise reader.fail("chỉ ghi thời điểm bắt đầu")  # «Từ tháng 3/2021»: due when?
        return [Milestone("", reader.segment(key))]
    reader.fillers_only(key[: labels[0].start()])
    milestones = []
    for index, match in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(key)
        label = MILESTONE_LABELS[match.group(1)]
        if any(m.label == label for m in milestones):
            raise reader.fail(f"mốc «{label}» ghi hai lần")
        milestones.append(Milestone(label, reader.segment(key[match.end() : end])))
    return milestones


# Tết Nguyên đán (lunar new year) by year, and the years' names: a task «trước Tết Nhâm Dần»
# or «trước Tết Nguyên đán 2022» is due the day before. A bare «Tết» names no year: unread.
_TET = {
    2019: ("ky hoi", date(2019, 2, 5)),
    2020: ("canh ty", date(2020, 1, 25)),
    2021: ("tan suu", date(2021, 2, 12)),
    2022: ("nham dan", date(2022, 2, 1)),
    2023: ("quy mao", date(2023, 1, 22)),
    2024: ("giap thin", date(2024, 2, 10)),
    2025: ("at ty", date(2025, 1, 29)),
    2026: ("binh ngo", date(2026, 2, 17)),
    2027: ("dinh mui", date(2027, 2, 6)),
    2028: ("mau than", date(2028, 1, 26)),
    2029: ("ky dau", date(2029, 2, 13)),
    2030: ("canh tuat", date(2030, 2, 3)),
}
_TET_YEARS = {name: year for year, (name, _) in _TET.items()}
_TET_PHRASE = re.compile(
    r"\btet(?: nguyen dan| am lich| co truyen)?(?: nam)? (?:(\d{4})|("
    + "|".join(_TET_YEARS)
    + r"))\b"
)


def _tet(match: re.Match) -> str:
    """«tết nhâm dần» → the day before it, «31/1/2022»; a year without a known Tết unread."""
    year = int(match[1]) if match[1] else _TET_YEARS[match[2]]
    if year not in _TET:
        return match[0]
    day = date.fromordinal(_TET[year][1].toordinal() - 1)
    return f"{day.day}/{day.month}/{day.year}"


def _english(match: re.Match) -> str:
    """«30-Jun-21» → «30/6/2021», «Sep-21» → «tháng 9/2021»."""
    month = _ENGLISH_MONTHS.index(match[2]) + 1
    year = match[3] if len(match[3]) == 4 else f"20{match[3]}"
    return f"{match[1]}/{month}/{year}" if match[1] else f"thang {month}/{year}"


def _key(text: str) -> str:
    """The folded phrase, its short lists and ranges spelt out; raises `DeadlineError` on
    «6-9/2021» (months or a day?)."""
    written = text
    if text.isascii():
        text = _ENGLISH_DATE.sub(_english, text.lower())
    for short, spelled in _SHORT_RANGES:
        text = short.sub(spelled, text)
    if "/" in text and _MONTHS_OR_DAY.search(text):
        raise DeadlineError(written, "tháng … đến tháng …, hay một ngày? Hãy ghi rõ")
    text = _YEAR_AFTER_DASH.sub(r"\1/\2", text)
    parts = _NUMERIC.split(_SPAN_DASH.sub(" đến ", text))
    folded = [_SEPARATOR.sub("/", p) if i % 2 else fold(p) for i, p in enumerate(parts)]
    key = " ".join(p for p in folded if p)
    for spelling, word in _SPELLINGS:
        key = spelling.sub(word, key)
    return _TET_PHRASE.sub(_tet, key)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


class _Reader:
    """Reads the segments of one phrase, reporting errors against the whole phrase."""

    def __init__(self, text: str, year: int | None, fillers: frozenset[str]) -> None:
        self.text = text
        self.default_year = year
        self.fillers = fillers

    def fail(self, reason: str) -> DeadlineError:
        return DeadlineError(self.text, reason)

    def fillers_only(self, part: str) -> None:
        unknown = [w for w in part.split() if w not in self.fillers]
        if unknown:
            raise self.fail(f"không hiểu «{shown(' '.join(unknown))}»")

    def segment(self, part: str) -> date:
        matches = list(_EXPRESSION.finditer(part))
        if len(matches) == 2 and part[matches[0].end() : matches[1].start()].split() in _SPAN_WORDS:
            return self.span(part, *matches)
        position = 0
        for match in matches:
            self.fillers_only(part[position : match.start()])
            position = match.end()
        self.fillers_only(part[position:])
        if not matches:
            raise self.fail("không có ngày, tháng, quý hoặc năm")
        if len(matches) > 1:
            raise self.fail("có nhiều hơn một thời hạn")
        return self.expression(match.groupdict())

    def span(self, part: str, start: re.Match, end: re.Match) -> date:
        """The end of a span ("từ tháng 6 đến tháng 8/2021" → 31/08/2021); its start takes
        the end's year when it has none and must not come after it."""
        self.fillers_only(" ".join(w for w in part[: start.start()].split() if w != "tu"))
        self.fillers_only(part[end.end() :])
        last = self.expression(end.groupdict())
        first = _Reader(self.text, last.year, self.fillers).expression(start.groupdict())
        if first > last:
            raise self.fail("thời điểm đầu sau thời điểm cuối")
        return last

    def year(self, text: str | None) -> int:
        if text is None:
            if self.default_year is None:
                raise self.fail("thiếu năm")
            return self.default_year
        value = int(text) + 2000 if len(text) == 2 else int(text)
        if not _MIN_YEAR <= value <= _MAX_YEAR:
            raise self.fail(f"năm {value} không hợp lệ")
        return value

    def month(self, text: str) -> int:
        value = int(text)
        if not 1 <= value <= 12:
            raise self.fail(f"tháng {value} không hợp lệ")
        return value

    def day(self, year: int, month: int, text: str) -> date:
        try:
            return date(year, month, int(text))
        except ValueError:
            raise self.fail(f"ngày {text}/{month} không có thật") from None

    def expression(self, g: dict[str, str | None]) -> date:
        if g["half"]:
            return _last_day(self.year(g["half_y"]), 6 if g["half"] == "dau" else 12)
        if g["vn_d"]:
            return self.day(self.year(g["vn_y"]), self.month(g["vn_m"]), g["vn_d"])
        if g["iso_y"]:
            return self.day(self.year(g["iso_y"]), self.month(g["iso_m"]), g["iso_d"])
        if g["d"]:
            return self.day(self.year(g["y"]), self.month(g["m"]), g["d"])
        if g["my_m"]:
            return _last_day(self.year(g["my_y"]), self.month(g["my_m"]))
        if g["month"]:
            return _last_day(self.year(g["month_y"]), self.month(g["month"]))
        if g["quarter"]:
            quarter = _ROMAN.get(g["quarter"]) or int(g["quarter"])
            return _last_day(self.year(g["quarter_y"]), 3 * quarter)
        if g["bare_y"]:
            return date(self.year(g["bare_y"]), 12, 31)
        return date(self.year(g["year"]), 12, 31)
