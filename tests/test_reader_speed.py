"""The reader's shortcuts answer as the longer way they replace: the .xls encryption check
read from the stream in hand (as msoffcrypto reads it), the vocabulary's single alternation
(as its patterns tried one by one), the owner titles looked up by length, the number readings
and the undated texts remembered from file to file."""

from __future__ import annotations

import io
import struct
from collections import namedtuple
from datetime import date

import olefile
import pytest
import xlwt
from msoffcrypto.format.xls97 import Xls97File

from ntm_excel.read.sniff import _has_file_pass, sniff
from ntm_excel.reference.contacts import parse_owners
from ntm_excel.vocabulary import _compile, bundled_vocabulary, vocab_key


def _xls() -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Biểu")
    sheet.write(0, 0, "Tiêu chí")
    sheet.write(1, 0, 12.5)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _stream(data: bytes) -> bytes:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return ole.openstream("Workbook").read()


def _records(stream: bytes) -> list[tuple[int, int]]:
    """(offset, number) of each record of the globals substream, BOF included."""
    found, at = [], 0
    while at + 4 <= len(stream):
        number, size = struct.unpack_from("<HH", stream, at)
        found.append((at, number))
        if number == 0x000A:
            break
        at += 4 + size
    return found


def _as_file_pass(stream: bytes, offset: int, kind: bytes) -> bytes:
    """The record at `offset` renamed FilePass, its payload starting with `kind`."""
    data = bytearray(stream)
    data[offset : offset + 2] = struct.pack("<H", 0x002F)
    data[offset + 4 : offset + 4 + len(kind)] = kind
    return bytes(data)


def _msoffcrypto(stream: bytes) -> object:
    """What msoffcrypto's own check answers for a workbook stream (or the error type)."""
    probe = Xls97File.__new__(Xls97File)
    probe.data = namedtuple("Data", ["workbook"])(workbook=io.BytesIO(stream))
    try:
        return Xls97File.is_encrypted(probe)
    except Exception:  # noqa: BLE001 - a failure is compared as such
        return "error"


def _ours(stream: bytes) -> object:
    try:
        return _has_file_pass(stream)
    except Exception:  # noqa: BLE001
        return "error"


def _variants(stream: bytes) -> list[bytes]:
    records = _records(stream)
    second = records[1][0]  # the first record after BOF
    eof = records[-1][0]
    size = struct.unpack_from("<H", stream, second + 2)[0]
    return [
        stream,  # plain
        _as_file_pass(stream, second, b"\x01\x00"),  # RC4
        _as_file_pass(stream, second, b"\x00\x00"),  # XOR obfuscation
        _as_file_pass(stream, second, b"\x07\x00"),  # an unknown type: not encrypted
        stream[: second + 2],  # a record header cut short
        stream[: second + 4 + max(size - 1, 0)],  # a payload cut short
        stream[:eof] + stream[eof : eof + 4],  # the EOF record kept, what follows dropped
        stream[:eof],  # no EOF at all
        _as_file_pass(stream, eof + 4, b"\x01\x00") if eof + 8 < len(stream) else stream,
    ]


def test_xls_encryption_is_read_from_the_stream_as_msoffcrypto_reads_it():
    stream = _stream(_xls())
    variants = _variants(stream)
    answers = [(_ours(v), _msoffcrypto(v)) for v in variants]
    assert [ours for ours, _ in answers] == [theirs for _, theirs in answers]
    assert answers[0][0] is False and answers[1][0] is True and answers[2][0] is True
    assert answers[3][0] is False and "error" in [ours for ours, _ in answers]


def test_an_xls_with_a_file_pass_record_is_refused_as_password_protected():
    data = _xls()
    stream = _stream(data)
    locked = _as_file_pass(stream, _records(stream)[1][0], b"\x01\x00")
    with olefile.OleFileIO(io.BytesIO(data), write_mode=True) as ole:
        ole.write_stream("Workbook", locked)
        ole.fp.seek(0)
        changed = ole.fp.read()
    assert sniff(data).kind == "xls"
    with pytest.raises(Exception, match="mật khẩu"):
        sniff(changed)


@pytest.mark.parametrize(
    "text",
    [
        "Đạt",
        "Chưa đạt",
        "đạt chuẩn",
        "Không đạt",
        "Ghi chú: số liệu năm 2020",
        "Kết quả thực hiện",
        "Tự đánh giá của xã",
        "Chỉ tiêu chung",
        "Nội dung tiêu chí",
        "TT",
        "Ghi chú",
        "hoàn thành",
        "",
        "abc xyz",
    ],
)
def test_vocabulary_alternation_picks_the_row_its_patterns_pick_one_by_one(text):
    vocabulary = bundled_vocabulary()
    for kind, matcher in vocabulary._matchers.items():
        key = vocab_key(text)
        one_by_one = next(
            (
                match
                for match, pattern in zip(matcher._matches, _alternatives(matcher), strict=True)
                if pattern.fullmatch(key)
            ),
            None,
        )
        assert matcher(key) == one_by_one, (kind, text)


def _alternatives(matcher):
    """The patterns of a matcher, each on its own, in rank order."""
    return [_compile(match.word, matcher.accents)[0] for match in matcher._matches]


def test_owner_titles_are_found_by_length():
    assert parse_owners("Nguyễn Văn Nam - Phó Chủ tịch UBND xã") == ("Nguyễn Văn Nam",)
    assert parse_owners("Phó Chủ tịch UBND xã - Nguyễn Văn Nam") == ("Nguyễn Văn Nam",)
    assert parse_owners("Công chức Địa chính") == ("Công chức Địa chính",)
    assert parse_owners("Đ/c Trần Thị B; Lê Văn C (chủ trì)") == ("Trần Thị B", "Lê Văn C")


def test_number_readings_are_remembered_per_figure_and_format():
    from ntm_excel import values

    values._remembered_number_value.cache_clear()
    first = values.parse_value(0.855, "0.0%")
    again = values.parse_value(0.855, "0.0%")
    assert again is first  # the remembered reading is used
    assert (first.value, first.raw, first.percent) == (85.5, "85.5%", True)
    plain = values.parse_value(0.855, "0.00")  # another format: read afresh
    assert (plain.value, plain.raw, plain.percent) == (0.855, "0.855", False)
    assert values.parse_value(12, "") == values.parse_value(12.0, "")
    # 0.0 and -0.0 are one dictionary key: each is read as itself, in either order
    assert values.parse_value(-0.0, "").raw == "-0" and values.parse_value(0.0, "").raw == "0"
    assert values.parse_value(0.0, "").raw == "0" and values.parse_value(-0.0, "").raw == "-0"
    assert values._remembered_number_value.cache_info().hits >= 1


def test_report_date_skips_texts_seen_without_a_date_and_still_finds_a_date():
    from ntm_excel.read import reader
    from ntm_excel.read.sheets import Grid

    title = "BIỂU TỰ ĐÁNH GIÁ (kiểm tra bỏ qua)"
    grid = Grid(name="Biểu", rows=[[title, ""], ["", 85.5]])
    assert reader.report_date(grid) is None
    assert title in reader._UNDATED  # remembered: the next file skips it without a call
    signed = "Cẩm Thành, ngày 10 tháng 3 năm 2021"
    grid = Grid(name="Biểu", rows=[[title], [signed], ["ngày 31 tháng 2 năm 2021"]])
    assert reader.report_date(grid) == date(2021, 3, 10)
    assert signed not in reader._UNDATED
    assert reader.report_date(Grid(name="B", rows=[["ngày 31 tháng 2 năm 2021"]])) is None


def test_a_written_code_contradicted_by_its_wording_is_judged_once_per_wording_and_code():
    from ntm_excel.config import load_config
    from ntm_excel.read.matching import CatalogueIndex
    from ntm_excel.reference.catalog import load_catalog

    indicators = load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")
    index = CatalogueIndex(indicators, bundled_vocabulary())
    wording = "Đường ngõ, xóm sạch và không lầy lội vào mùa mưa"  # 2.3's
    first = index.contradiction(wording, "1.1")
    assert first is not None and first.code == "2.3"
    assert index.contradiction(wording, "1.1") is first  # remembered
    assert index._contradictions[(wording, "1.1")] is first
    assert index.contradiction(wording, "2.3") is None  # another code: judged afresh
    assert index.contradiction("Đường ngõ xóm", "1.1") is None  # too short to overrule


def test_a_number_text_is_read_once_and_each_text_as_itself():
    from ntm_excel.values import parse_number

    first = parse_number("1.234,5 triệu")
    assert first == 1234.5 and parse_number("1.234,5 triệu") is first  # remembered
    assert parse_number("1.234,6 triệu") == 1234.6
    assert parse_number("12 và 13") is None and parse_number("≈ 98 %") == 98.0
    long = "Kinh phí " + "x" * 500 + " 150"  # too long to remember: read each time
    assert parse_number(long) == 150.0 and parse_number(long) is not parse_number(long)


def _column_numbers_one_by_one(texts: list[str]) -> bool:
    """`is_column_numbers` as first written: every text stripped, then the two tests."""
    import re

    texts = [t for t in texts if t]
    if len(texts) < 3 or not texts[0].strip("()").isalnum() or len(texts[0]) > 4:
        return False
    texts = [re.sub(r"[()\s]", "", t) for t in texts]
    if all(t.isdigit() for t in texts):
        numbers = [int(t) for t in texts]
        return numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    return all(len(t) == 1 and t.isalpha() and t.isupper() for t in texts) and texts[:2] == [
        "A",
        "B",
    ]


@pytest.mark.parametrize(
    "texts",
    [
        ["1", "2", "3", "4"],
        ["(1)", "(2)", "(3)"],
        ["1", "2", "4"],
        ["1", "Xây dựng đường", "UBND xã", "2021"],
        ["A", "B", "C", "D"],
        ["A", "B", "c"],
        ["A", "C", "D"],
        ["B", "C", "D"],
        ["A", "1", "2"],
        ["3", "4", "5", "", "6"],
        ["(A)", "(B)", "( C )"],
        ["12345", "2", "3"],
        ["1", "2"],
        ["I", "II", "III"],
        ["1", "²", "x"],
    ],
)
def test_column_numbers_are_told_as_the_plain_tests_tell_them(texts):
    from ntm_excel.read.sheets import Grid, is_column_numbers

    grid = Grid(name="Biểu", rows=[texts])
    assert is_column_numbers(grid, 0, len(texts)) == _column_numbers_one_by_one(texts)


def test_a_title_line_is_joined_once_and_again_after_its_row_changes():
    from ntm_excel.read import reader
    from ntm_excel.read.sheets import Grid

    grid = Grid(name="Biểu", rows=[["UBND XÃ", "", " CẨM  THÀNH "], ["", None], ["Mã xã:", 18694]])
    lines = reader._title_lines([grid], None)
    assert lines == [
        ("UBND XÃ CẨM THÀNH", ["UBND XÃ", " CẨM  THÀNH "]),
        ("Mã xã: 18694", ["Mã xã:", 18694]),
    ]
    assert reader._title_lines([grid], None)[0] is lines[0]  # remembered, not joined again
    grid.set_value(0, 2, "CẨM LẠC")  # a converted legacy text: the line is made again
    assert reader._title_lines([grid], None)[0] == ("UBND XÃ CẨM LẠC", ["UBND XÃ", "CẨM LẠC"])
    assert grid.line(1) is None


def test_registry_words_are_folded_once_and_each_word_as_itself(registry):
    from ntm_excel.text import folded

    first = registry.match("UBND xã Cẩm Thành")
    assert first.unit is not None and first.unit.code == "18694"
    hits = folded.cache_info().hits
    assert registry.match("UBND xã Cẩm Thành") == first
    assert folded.cache_info().hits > hits  # the words' keys were remembered
    assert folded("Cẩm") == "cam" and folded("Cầm") == "cam"
    assert registry.match("UBND xã Cẩm Thạch").unit.code == "18706"  # another word, its own key


@pytest.mark.parametrize(
    ("texts", "numbering"),
    [
        (["A", "B", "1", "2", "3", "4"], True),  # letters for the TT and name, then numbers
        (["A", "B", "C", "1", "2"], True),
        (["A", "B", "2", "3"], False),
        (["A", "B", "1", "3"], False),
        (["A", "B", "1", "Xây dựng"], False),
    ],
)
def test_letters_then_numbers_are_a_column_numbering(texts, numbering):
    from ntm_excel.read.sheets import Grid, is_column_numbers

    assert is_column_numbers(Grid(name="Lộ trình", rows=[texts]), 0, 60) is numbering
