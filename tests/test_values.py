"""Values as communes type them: numbers, percentages, assessments, dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ntm_excel.model import Status
from ntm_excel.values import ParsedValue, parse_assessment, parse_date, parse_number, parse_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", 1234.5),
        ("45,2", 45.2),
        ("1.234", 1234.0),
        ("100.000", 100000.0),
        ("1.5", 1.5),
        ("0.855", 0.855),
        ("1000.000", 1000.0),
        ("12.345.678", 12345678.0),
        ("12.345.678,9", 12345678.9),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("1,234", 1.234),
        ("0,85", 0.85),
        (",5", 0.5),
        ("-5", -5.0),
        ("\u22125", -5.0),
        ("+5", 5.0),
        ("Tỷ lệ: -3,5%", -3.5),
        ("45,2 triệu đồng/người", 45.2),
        ("45 m2/người", 45.0),
        ("≈ 98 %", 98.0),
        ("98,5%", 98.5),
        ("98% (98%)", 98.0),
        ("  7  ", 7.0),
        # no number, or an ambiguous one
        ("", None),
        ("Đạt", None),
        ("12/15 thôn", None),
        ("17/20", None),
        ("2019-2020", None),
        ("31/3/2021", None),
        ("1.23.4", None),
        ("1.234.5", None),
        ("1,2,3", None),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def _vietnamese(number: Decimal) -> str:
    """Format the Vietnamese way: thousands ".", decimal ","."""
    text = f"{abs(number):,f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if number < 0 else "") + text


def _english(number: Decimal) -> str:
    return f"{number:,f}"


_DECIMALS = st.decimals(
    min_value=Decimal("-9999999.999"), max_value=Decimal("9999999.999"), places=3
).map(lambda d: d.normalize() if d != d.to_integral() else d.quantize(Decimal(1)))


@given(_DECIMALS)
def test_vietnamese_format_round_trips(number):
    assert parse_number(_vietnamese(number)) == float(number)


@given(_DECIMALS)
def test_english_format_round_trips_when_unambiguous(number):
    text = _english(number)
    # Only both separators make English recognisable: a lone "1,250" is Vietnamese 1.25.
    if "," in text and "." in text:
        assert parse_number(text) == float(number)


@given(_DECIMALS, st.sampled_from(["%", " %", "% ", "\u00a0%"]))
def test_percent_text(number, suffix):
    parsed = parse_value(_vietnamese(number) + suffix)
    assert parsed == ParsedValue(float(number), parsed.raw, True)


@given(st.decimals(min_value=0, max_value=Decimal("1.5"), places=6))
def test_percent_formatted_fraction_scales_exactly(fraction):
    parsed = parse_value(float(fraction), "0.0%")
    assert parsed.value == float(fraction * 100)
    assert parsed.percent
    assert parse_value(float(fraction)).value == float(fraction)


@pytest.mark.parametrize(
    ("cell", "number_format", "expected"),
    [
        (None, "", ParsedValue(None, "", False)),
        ("", "", ParsedValue(None, "", False)),
        ("  -  ", "", ParsedValue(None, "", False)),
        ("—", "", ParsedValue(None, "", False)),
        ("…", "", ParsedValue(None, "", False)),
        (85, "", ParsedValue(85.0, "85", False)),
        (0.855, "0.0%", ParsedValue(85.5, "85.5%", True)),
        (0.29, "0%", ParsedValue(29.0, "29%", True)),
        (0.855, "General", ParsedValue(0.855, "0.855", False)),
        (85, '0"%"', ParsedValue(85.0, "85", False)),  # a quoted % does not scale
        (85.00000000001, "", ParsedValue(85.0, "85", False)),
        ("85%", "", ParsedValue(85.0, "85%", True)),
        ("85 %", "", ParsedValue(85.0, "85 %", True)),
        ("85,5 %", "", ParsedValue(85.5, "85,5 %", True)),
        ("45,2 triệu đồng/người", "", ParsedValue(45.2, "45,2 triệu đồng/người", False)),
        ("≈ 98 %", "", ParsedValue(98.0, "≈ 98 %", True)),
        (True, "", ParsedValue("Có", "TRUE", False)),
        (False, "", ParsedValue("Không", "FALSE", False)),
        (datetime(2021, 3, 31, 8, 0), "", ParsedValue("31/03/2021", "31/03/2021", False)),
        ("Đã phê duyệt", "", ParsedValue("Đã phê duyệt", "Đã phê duyệt", False)),
        (
            "Đã phê duyệt năm 2019",
            "",
            ParsedValue("Đã phê duyệt năm 2019", "Đã phê duyệt năm 2019", False),
        ),
        ("Đất  ở", "", ParsedValue("Đất ở", "Đất ở", False)),  # "đất" (land) is not "đạt"
        ("12/15 thôn", "", ParsedValue(80.0, "12/15 thôn", True)),
    ],
)
def test_parse_value(cell, number_format, expected):
    assert parse_value(cell, number_format) == expected


def test_float_stays_float():
    assert type(parse_value(85).value) is float
    assert type(parse_value("85").value) is float


@pytest.mark.parametrize(
    "text",
    [
        "Đạt", "đạt", "ĐẠT", "Dat", "Đạt chuẩn", "Đã đạt", " Đạt. ", "Đ",
        "Đạt (UBND tỉnh quy định)",
        "Ðạt",  # «Ð» (U+00D0), left by converters of old fonts, for «Đ»
        "Hoàn thành",
    ],
)  # fmt: skip
def test_met_spellings(text):
    assert parse_value(text).value == "Đạt"
    assert parse_assessment(text) is Status.MET


@pytest.mark.parametrize(
    ("text", "figure", "status"),
    [
        ("Đạt (100%)", 100.0, Status.MET),
        ("đạt (98,5 %)", 98.5, Status.MET),
        ("Chưa đạt (75%)", 75.0, Status.NOT_MET),
        ("Đạt [≈ 99%]", 99.0, Status.MET),
        # words before the figure: a lower bound, a label or a verdict
        ("Trên 90%", 90.0, Status.UNKNOWN),
        ("Hơn 95 %", 95.0, Status.UNKNOWN),
        ("Tỷ lệ: 92%", 92.0, Status.UNKNOWN),
        ("Đạt 99,9%", 99.9, Status.MET),
        ("Chưa đạt 80%", 80.0, Status.NOT_MET),
        ("Đạt tỷ lệ 99,9%", 99.9, Status.MET),
        ("Bình quân 45 triệu đồng/người", 45.0, Status.UNKNOWN),
        ("Còn 1,7%", 1.7, Status.UNKNOWN),
        ("Có 91,3% số hộ", 91.3, Status.UNKNOWN),
    ],
)
def test_a_figure_beside_the_verdict_or_words_is_the_value(text, figure, status):
    """In a result cell the figure is the value; in an assessment cell the word decides."""
    assert parse_value(text).value == figure
    assert parse_assessment(text) is status


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("100% (12/12 thôn)", 100.0),
        ("98,5% (62% nước sạch)", 98.5),
        ("92 (số liệu tháng 12/2020)", 92.0),
        ("45,2 triệu đồng (ước)", 45.2),
        ("45 triệu (tăng 5%)", 45.0),
    ],
)
def test_comments_in_brackets_after_a_figure_are_not_numbers(text, figure):
    assert parse_value(text).value == figure


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("12/12 thôn", 100.0),
        ("3 / 3 trường học", 100.0),
        ("9/12 thôn (75%)", 75.0),
        ("2/3 thôn (66,7%)", 66.67),
        ("0/5 thôn", 0.0),
        ("Trên 12/12 thôn", 100.0),
        # what is counted said on both sides, thousands grouped
        ("3 trường/3 trường", 100.0),
        ("9 thôn/12 thôn", 75.0),
        ("2.970 hộ/3.000 hộ", 99.0),
        ("350 ha/400 ha", 87.5),
        # a count, then its percentage alone in brackets: the percentage
        ("25 hộ (1,7%)", 1.7),
        ("12 thôn (100%)", 100.0),
        ("1.520 hộ (70,5%)", 70.5),
        # a count, then the percentage it is stated as; «Có» before a stated share
        ("802 hộ, đạt 65%", 65.0),
        ("802 hộ đạt 65%", 65.0),
        ("1.234 hộ = 99,2%", 99.2),
        ("Có 450/520 ha, đạt 86,5%", 86.54),
        # a percentage over its standard; lines that agree; the latest of several years
        ("87,5%/80%", 87.5),
        ("1.520/2.156 hộ\n70,5%", 70.5),
        ("2020: 2,5%; 2021: 1,7%", 1.7),
        ("Năm 2020: 93,1% - Năm 2021: 96,3%", 96.3),
    ],
)
def test_a_count_of_a_total_is_a_share(text, share):
    """«12/12 thôn» in a value cell is 100%, never 12."""
    parsed = parse_value(text)
    assert (parsed.value, parsed.percent) == (pytest.approx(share, abs=0.01), True)


@pytest.mark.parametrize(
    "text",
    [
        "12/12", "17/20", "9/12 thôn (80%)", "13/12 thôn", "31/3/2021", "30/6 năm 2021",
        "06/2019 phê duyệt", "12/2020 đã đạt",  # a month of a year
        "3 trường/5 thôn", "98,2/98",  # two things counted; a figure over its standard?
    ],
)  # fmt: skip
def test_two_numbers_without_a_counted_total_are_not_a_value(text):
    """A date, a score or a share its own bracket contradicts is left for the commune."""
    assert parse_number(text) is None
    assert not isinstance(parse_value(text).value, float)


@pytest.mark.parametrize("text", ["Dưới 90%", "Gần 100%", "Xấp xỉ 98%", "Còn 5 hộ", "Có 02 HTX"])
def test_words_saying_below_or_about_a_figure_keep_the_text(text):
    """«Dưới 90%» is not 90% (against «≥ 90%» it would pass): left for the commune."""
    assert parse_value(text).value == text


@pytest.mark.parametrize(
    "text", ["17/20 (58%)", "Đã phê duyệt (2019)", "Chưa đạt (còn 2 thôn)", "85 (2020) và 90"]
)
def test_no_single_figure_is_taken_from_other_texts(text):
    assert not isinstance(parse_value(text).value, float)


@pytest.mark.parametrize("text", ["1e999", "-1e5", "2,5E3", "0x1F", "=1+1", "= 90 * 1,1"])
def test_what_only_looks_like_a_figure_is_kept_as_text(text):
    """An exponent, a hexadecimal number, a formula typed as text: never its first digits
    (0x1F was 0, met for an indicator of «0 vụ»)."""
    assert parse_value(text).value == text


@pytest.mark.parametrize(
    "text",
    [
        "Chưa đạt", "Chưa Đạt", "chua dat", "CHƯA ĐẠT", "Không đạt", "Ko đạt", "K đạt", "chưa",
        "Chưa Ðạt", "Chưa hoàn thành",
    ],
)  # fmt: skip
def test_not_met_spellings(text):
    assert parse_value(text).value == "Chưa đạt"
    assert parse_assessment(text) is Status.NOT_MET


@pytest.mark.parametrize("text", ["Có", "có", "co", "X", "x", "✓"])
def test_yes_spellings(text):
    assert parse_value(text).value == "Có"


@pytest.mark.parametrize("text", ["Không", "không", "Ko", "K", "không có", "Ko có", "Chưa có"])
def test_no_spellings(text):
    assert parse_value(text).value == "Không"


@pytest.mark.parametrize(
    "cell", [None, "", "X", "Có", "85%", 1, "Đang thực hiện", "Chưa thực hiện", "Đất", True]
)
def test_other_assessments_unknown(cell):
    assert parse_assessment(cell) is Status.UNKNOWN


@pytest.mark.parametrize("text", ["Đạt/Chưa đạt", "Đạt / Không đạt", "Chưa đạt/Đạt"])
def test_the_templates_choices_left_unchosen_are_no_assessment(text):
    assert parse_assessment(text) is Status.UNKNOWN
    assert parse_value(text).value == text


@pytest.mark.parametrize("text", ["Đ\u200bạt", "\ufeffĐạt", "Đ\u00adạt", "Đạt\u200b"])
def test_invisible_characters_inside_a_word_are_dropped(text):
    assert parse_assessment(text) is Status.MET
    assert parse_value(text).value == "Đạt"


def test_decomposed_unicode_is_normalised():
    decomposed = "Chu\u031ba \u0111a\u0323t"  # "Chưa đạt" in NFD
    assert parse_assessment(decomposed) is Status.NOT_MET
    assert parse_value("Đa\u0303 phê duyê\u0323t").value == "Đã phê duyệt"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (date(2021, 3, 31), date(2021, 3, 31)),
        (datetime(2021, 3, 31, 17, 30), date(2021, 3, 31)),
        ("31/3/2021", date(2021, 3, 31)),
        ("31-03-2021", date(2021, 3, 31)),
        ("31.3.2021", date(2021, 3, 31)),
        ("5-2-21", date(2021, 2, 5)),
        (" 10/02/2021 ", date(2021, 2, 10)),
        ("2021-03-31", date(2021, 3, 31)),
        ("2021-03-31 00:00:00", date(2021, 3, 31)),
        ("13/31/2021", None),  # month-first is never guessed
        ("31/02/2021", None),
        ("31/3-2021", None),
        ("quý I/2021", None),
        ("", None),
        (None, None),
        (True, None),
        (44286, None),  # a number is a date only when the caller says so
    ],
)
def test_parse_date(cell, expected):
    assert parse_date(cell) == expected


def test_excel_serial_dates():
    assert parse_date(44286, excel_serial=True) == date(2021, 3, 31)
    assert parse_date(44286.0, excel_serial=True) == date(2021, 3, 31)
    assert parse_date(1, excel_serial=True) == date(1900, 1, 1)
    assert parse_date(61, excel_serial=True) == date(1900, 3, 1)
    assert parse_date(44286.5, excel_serial=True) is None
    assert parse_date(0, excel_serial=True) is None


def test_cells_read_from_a_real_workbook(tmp_path):
    """Values as openpyxl returns them from a saved workbook, with their number formats."""
    path = tmp_path / "xa.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    rows = [
        (0.855, "0.0%"),
        (0.98, "0%"),
        (45.2, "#,##0.0"),
        ("1.234,5", "@"),
        ("Đạt chuẩn", "General"),
        (datetime(2021, 3, 31), "dd/mm/yyyy"),
        (None, "General"),
    ]
    for row, (value, number_format) in enumerate(rows, start=1):
        sheet.cell(row, 1, value).number_format = number_format
    book.save(path)
    read = openpyxl.load_workbook(path).active
    parsed = [
        parse_value(read.cell(row, 1).value, read.cell(row, 1).number_format)
        for row in range(1, len(rows) + 1)
    ]
    assert [p.value for p in parsed] == [85.5, 98.0, 45.2, 1234.5, "Đạt", "31/03/2021", None]
    assert [p.percent for p in parsed] == [True, True, False, False, False, False, False]
    assert parse_date(read.cell(6, 1).value) == date(2021, 3, 31)
