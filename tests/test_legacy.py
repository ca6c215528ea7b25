"""TCVN3 (ABC) and VNI text: complete tables, round trips, detection, real workbooks."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import openpyxl
import pytest
import xlwt
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.styles import Font
from python_calamine import CalamineWorkbook

from ntm_excel.read.legacy import (
    FROM_UNICODE,
    TCVN3,
    TO_UNICODE,
    VNI,
    detect_encoding,
    from_unicode,
    is_syllable,
    to_unicode,
)

DOMAIN = Path("/work/shared/domain")
SEED = Path("/work/shared/seed/000_be5a470af32c99e8.txt")

_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
LOWER = sorted(
    {unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONES}
    - set("aeiouy")
    | {"đ"}
)
UPPER = [letter.upper() for letter in LOWER]
TCVN3_CAPITALS = set("ĂÂĐÊÔƠƯ")

PHRASES = [
    "UBND XÃ CẨM THÀNH",
    "Tiêu chí",
    "Kết quả thực hiện",
    "Đạt",
    "Chưa đạt",
    "Nguyễn Thị Xuân Hoàng",
    "Hệ thống điện đạt chuẩn",
    "Thời gian hoàn thành",
    "Người phụ trách",
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Độc lập - Tự do - Hạnh phúc",
    "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI",
]


def _criteria_texts() -> list[str]:
    texts = []
    for path in sorted((DOMAIN / "criteria").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts += [row["criterion_name"], row["indicator_text"]]
    return [text for text in texts if text]


def test_all_134_letters_are_vietnamese():
    assert len(LOWER) == 67 and len(set(LOWER + UPPER)) == 134


def test_vni_table_is_complete_and_round_trips_every_letter():
    assert set(FROM_UNICODE[VNI]) == set(LOWER + UPPER)
    assert len(set(FROM_UNICODE[VNI].values())) == 134
    for letter in LOWER + UPPER:
        code = from_unicode(letter, VNI)
        assert all(ord(char) < 256 for char in code)
        assert to_unicode(code, VNI) == letter
        assert to_unicode(f"x{code}m", VNI) == f"x{letter}m"


def test_tcvn3_table_round_trips_every_letter():
    assert set(FROM_UNICODE[TCVN3]) == set(LOWER) | TCVN3_CAPITALS
    codes = list(FROM_UNICODE[TCVN3].values())
    assert len(set(codes)) == len(codes) == 74
    assert all(len(code) == 1 and 0xA1 <= ord(code) <= 0xFE for code in codes)
    for letter in LOWER + sorted(TCVN3_CAPITALS):
        assert to_unicode(from_unicode(letter, TCVN3), TCVN3) == letter
    for letter in UPPER:  # toned capitals: lower-case codes, capitals restored in a capital word
        code = from_unicode(letter, TCVN3)
        assert code in codes
        assert to_unicode(f"X{code}M", TCVN3) == f"X{letter}M"
        if letter not in TCVN3_CAPITALS:
            assert to_unicode(code, TCVN3) == letter.lower()  # alone it cannot be told apart


@pytest.mark.parametrize(
    ("encoding", "legacy", "unicode_text"),
    [
        (TCVN3, "Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
        (TCVN3, "§¹t", "Đạt"),
        (TCVN3, "Ch\u00ada ®¹t", "Chưa đạt"),
        (TCVN3, "UBND X· CÈM THµNH", "UBND XÃ CẨM THÀNH"),
        (TCVN3, "Xin chµo x· CÈM THµNH", "Xin chào xã CẨM THÀNH"),
        (TCVN3, "Ng\u00adêi phô tr¸ch", "Người phụ trách"),
        (VNI, "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        (VNI, "Ñaït", "Đạt"),
        (VNI, "Chöa ñaït", "Chưa đạt"),
        (VNI, "Ngöôøi phuï traùch", "Người phụ trách"),
        (VNI, "NGÖÔØI PHUÏ TRAÙCH", "NGƯỜI PHỤ TRÁCH"),
        (VNI, "Vieät Nam", "Việt Nam"),
    ],
)
def test_known_legacy_text(encoding, legacy, unicode_text):
    assert to_unicode(legacy, encoding) == unicode_text
    assert to_unicode(legacy, encoding) == unicode_text


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
@pytest.mark.parametrize("phrase", PHRASES)
def test_phrases_round_trip(encoding, phrase):
    legacy = from_unicode(phrase, encoding)
    assert legacy != phrase
    assert all(ord(char) < 256 for char in legacy)
    assert to_unicode(legacy, encoding) == phrase


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_criteria_texts_round_trip(encoding):
    for text in _criteria_texts():
        back = to_unicode(from_unicode(text, encoding), encoding)
        expected = unicodedata.normalize("NFC", text)
        if encoding == TCVN3:  # a lone toned capital comes back in lower case
            assert back.lower() == expected.lower()
        else:
            assert back == expected


@given(st.text(alphabet="".join(LOWER) + "abcdeghiklmnopqrstuvxy ,.()%0123456789"))
def test_vni_and_tcvn3_lower_case_round_trip(text):
    for encoding in (TCVN3, VNI):
        assert to_unicode(from_unicode(text, encoding), encoding) == text


@given(st.text(alphabet="".join(LOWER + UPPER) + "ABCDGHKLMNPQRSTVXabcdghklmnpqrstvx -"))
def test_vni_round_trips_any_case(text):
    assert to_unicode(from_unicode(text, VNI), VNI) == text


def test_unicode_text_is_left_alone():
    text = "Hệ thống điện đạt chuẩn"
    assert to_unicode(text, TCVN3) == text
    assert to_unicode(text, VNI) == text
    assert to_unicode("He\u0323\u0302 tho\u0302\u0301ng", VNI) == "Hệ thống"  # NFD → NFC
    with pytest.raises(ValueError):
        to_unicode("x", "VISCII")


def test_is_syllable():
    for word in ["người", "Nguyễn", "quyết", "giữa", "khuya", "THÀNH", "đạt", "hoà", "Hòa"]:
        assert is_syllable(word), word
    for word in ["hoµ", "Vieät", "Excel", "hoứa", "xaư", "àg", "đạtt", "hoàá", ""]:
        assert not is_syllable(word), word


def _sample(encoding: str) -> list[str]:
    return [from_unicode(phrase, encoding) for phrase in PHRASES]


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_detects_legacy_samples(encoding):
    assert detect_encoding(_sample(encoding)) == encoding
    legacy_criteria = [from_unicode(text, encoding) for text in _criteria_texts()]
    assert detect_encoding(legacy_criteria) == encoding


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_detects_legacy_in_a_mixed_sample(encoding):
    """Numbers, English, codes and a few Unicode notes beside the legacy cells."""
    texts = _sample(encoding) + ["1.234,5", "85%", "TT", "2.1", "Ghi chú: Đã kiểm tra", "", "OK"]
    assert detect_encoding(texts) == encoding
    fixed = [to_unicode(text, encoding) if encoding else text for text in texts]
    assert fixed[: len(PHRASES)] == PHRASES
    assert fixed[len(PHRASES) :] == texts[len(PHRASES) :]


def test_no_false_positive_on_unicode_and_english():
    assert detect_encoding(_criteria_texts()) == ""
    assert detect_encoding(SEED.read_text(encoding="utf-8").splitlines()) == ""
    assert detect_encoding(PHRASES) == ""
    # Unicode words without any letter outside Latin-1, which legacy tables also use
    latin1_only = ["Có", "Bình", "Hòa", "Hoà", "Không", "Xã Yên Hòa", "Phó Chủ tịch", "Lê Văn"]
    assert detect_encoding(latin1_only) == ""
    odd = ["5 µm", "Excel®", "© 2021", "µg/l", "Café", "naïve", "Müller", "Señor", "«Đạt»", "x·y"]
    assert detect_encoding(odd) == ""
    assert detect_encoding(["1.234,5", "85%", "Total", "Criteria met", "2021-03-31"]) == ""
    assert detect_encoding([]) == ""


def test_tables_are_inverse():
    for encoding in (TCVN3, VNI):
        for letter, code in FROM_UNICODE[encoding].items():
            assert TO_UNICODE[encoding][code] == letter


def test_legacy_xlsx_read_back(tmp_path):
    """A TCVN3 sheet in .VnTime and a VNI sheet in VNI-Times, saved and read back."""
    path = tmp_path / "cam_thanh.xlsx"
    book = openpyxl.Workbook()
    sheets = {TCVN3: (book.active, ".VnTime"), VNI: (book.create_sheet(), "VNI-Times")}
    for encoding, (sheet, font) in sheets.items():
        sheet.title = encoding
        for row, phrase in enumerate(PHRASES, start=1):
            cell = sheet.cell(row, 1, from_unicode(phrase, encoding))
            cell.font = Font(name=font)
            sheet.cell(row, 2, row * 1.5)
    book.save(path)

    read = openpyxl.load_workbook(path)
    calamine = CalamineWorkbook.from_path(str(path))
    for encoding in (TCVN3, VNI):
        sheet = read[encoding]
        texts = [sheet.cell(row, 1).value for row in range(1, len(PHRASES) + 1)]
        assert detect_encoding(texts) == encoding
        assert [to_unicode(text, encoding) for text in texts] == PHRASES
        rows = calamine.get_sheet_by_name(encoding).to_python()
        assert [to_unicode(row[0], encoding) for row in rows] == PHRASES


def test_legacy_xls_read_back(tmp_path):
    """An old .xls with TCVN3 text, as offices still save, read with calamine."""
    path = tmp_path / "cam_lac.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Bieu tu danh gia")
    for row, phrase in enumerate(PHRASES):
        sheet.write(row, 0, from_unicode(phrase, TCVN3))
    book.save(str(path))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    texts = [row[0] for row in rows]
    assert detect_encoding(texts) == TCVN3
    assert [to_unicode(text, TCVN3) for text in texts] == PHRASES
