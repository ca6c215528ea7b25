"""Deadline phrases of the plan and of the communes' roadmaps, read as dates."""

from __future__ import annotations

import calendar
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ntm_excel.config import BUNDLED
from ntm_excel.deadlines import DeadlineError, Milestone, parse_deadline
from ntm_excel.vocabulary import load_vocabulary

ROMAN = ["I", "II", "III", "IV"]


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def one(text: object, **kwargs) -> date:
    milestones = parse_deadline(text, **kwargs)
    assert len(milestones) == 1 and milestones[0].label == ""
    return milestones[0].due


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("trong tháng 1/2021", date(2021, 1, 31)),
        ("tháng 4/2021", date(2021, 4, 30)),
        ("chậm nhất trong tháng 6/2021", date(2021, 6, 30)),
        ("Tháng 3/2018", date(2018, 3, 31)),
        ("tháng 2/2024", date(2024, 2, 29)),
        ("trong quý I/2021", date(2021, 3, 31)),
        ("quý I/2021", date(2021, 3, 31)),
        ("Quý II năm 2021", date(2021, 6, 30)),
        ("quý 3/2021", date(2021, 9, 30)),
        ("QUÝ IV/2021", date(2021, 12, 31)),
        ("6 tháng đầu năm 2021", date(2021, 6, 30)),
        ("6 tháng cuối năm 2021", date(2021, 12, 31)),
        ("cuối năm 2021", date(2021, 12, 31)),
        ("năm 2021", date(2021, 12, 31)),
        ("trước ngày 10/2/2021", date(2021, 2, 10)),
        ("chậm nhất trước ngày 10/2/2021", date(2021, 2, 10)),
        ("trước 31/3/2021", date(2021, 3, 31)),
        ("Thời gian hoàn thành: trước 31/3/2021.", date(2021, 3, 31)),
        ("ngày 31/3/2021", date(2021, 3, 31)),
        ("31/03/2021", date(2021, 3, 31)),
        ("5-2-21", date(2021, 2, 5)),
        ("02/03/2021", date(2021, 3, 2)),  # day first, always
        ("2021-03-31", date(2021, 3, 31)),
        ("ngày 10 tháng 2 năm 2021", date(2021, 2, 10)),
        ("hoàn thành trong thành trong tháng quý I/2021", date(2021, 3, 31)),
        ("  TRUOC NGAY 10/02/2021 ", date(2021, 2, 10)),
    ],
)
def test_phrases(text, due):
    assert one(text) == due


def test_two_step_deadline_gives_both_milestones():
    text = "khởi công trong tháng 2/2021 và hoàn thành chậm nhất trong tháng 6/2021"
    assert parse_deadline(text) == [
        Milestone("khởi công", date(2021, 2, 28)),
        Milestone("hoàn thành", date(2021, 6, 30)),
    ]
    seed = "khởi công trong tháng 2/2021 và hoàn thành xây dựng chậm nhất trong tháng 6/2021"
    assert [m.due for m in parse_deadline(seed)] == [date(2021, 2, 28), date(2021, 6, 30)]


def test_blank_and_real_dates():
    assert parse_deadline(None) == []
    assert parse_deadline("") == []
    assert parse_deadline("   ") == []
    assert one(date(2021, 4, 30)) == date(2021, 4, 30)
    assert one(datetime(2021, 4, 30, 17, 45)) == date(2021, 4, 30)


def test_year_comes_from_the_caller_when_the_phrase_has_none():
    assert one("tháng 3", year=2021) == date(2021, 3, 31)
    assert one("quý II", year=2022) == date(2022, 6, 30)
    assert one("trước ngày 31/3", year=2021) == date(2021, 3, 31)
    assert one("tháng 3/2020", year=2021) == date(2020, 3, 31)
    with pytest.raises(DeadlineError, match="thiếu năm"):
        parse_deadline("tháng 3")


@pytest.mark.parametrize(
    "text",
    [
        "sớm",
        "kịp thời",
        "thường xuyên",
        "13/31/2021",
        "tháng 13/2021",
        "quý 5/2021",
        "quý V/2021",
        "31/2/2021",
        "tháng 3/2021 hoặc tháng 4/2021",
        "tháng 3/2021, tháng 4/2021",
        "đầu năm 2021",
        "trước",
        "năm 3021",
        "12345",
        "khởi công và hoàn thành trong tháng 6/2021",
        "Tháng 8/2021 - Tháng 6/2021",  # a span that ends before it starts
        "Tháng 11-10/2021",
        "31/2/2021 (dự kiến)",
        "(dự kiến)",
        "giai đoạn 2021-2025",
        "T13/2021",
        "Trước Tết Nguyên đán",  # which Tết: not guessed
        "30/6/2021 (gia hạn)",  # moved to when: not said
        "Từ tháng 3/2021",  # a start, not a deadline
        "10-11/2021",  # months 10 to 11, or 10/11/2021? not guessed
    ],
)
def test_unreadable_phrases_raise_and_keep_the_text(text):
    with pytest.raises(DeadlineError) as raised:
        parse_deadline(text)
    assert raised.value.text == text.strip()
    assert text.strip() in str(raised.value)


@pytest.mark.parametrize("cell", [44286, 44286.0, "44286", " 44286 "])
def test_a_bare_number_is_an_excel_serial_date(cell):
    assert parse_deadline(cell) == [Milestone("", date(2021, 3, 31))]


@pytest.mark.parametrize("cell", [2021, "2021"])
def test_a_bare_year_is_its_end(cell):
    assert parse_deadline(cell) == [Milestone("", date(2021, 12, 31))]


@pytest.mark.parametrize("cell", [12, 5.5, 44286.5, 99999999, "12345", 1e300])
def test_other_numbers_are_not_taken_for_dates(cell):
    with pytest.raises(DeadlineError):
        parse_deadline(cell)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Hoàn thành trước 31/3/2021", date(2021, 3, 31)),
        ("10.4.2021", date(2021, 4, 10)),
        ("30/6/21", date(2021, 6, 30)),
        ("hoàn thành dứt điểm trong tháng 9", date(2021, 9, 30)),
        ("Trước ngày 15-5-2021", date(2021, 5, 15)),
        ("Quí 2/2021", date(2021, 6, 30)),
        ("T6/2021", date(2021, 6, 30)),
        ("T9", date(2021, 9, 30)),
        ("Q3/2021", date(2021, 9, 30)),
        # a two-digit year after a month or a quarter, an English Excel's month as text
        ("T9/21", date(2021, 9, 30)),
        ("tháng 3/21", date(2021, 3, 31)),
        ("Q3/21", date(2021, 9, 30)),
        ("Quý IV/21", date(2021, 12, 31)),
        ("30-Jun-21", date(2021, 6, 30)),
        ("Sep-21", date(2021, 9, 30)),
        ("December 2021", date(2021, 12, 31)),
        # the day before Tết of a year written or named
        ("Trước Tết Nguyên đán 2022", date(2022, 1, 31)),
        ("Trước Tết Nhâm Dần", date(2022, 1, 31)),
        ("trước tết Quý Mão", date(2023, 1, 21)),
        # a deadline moved: the new one
        ("30/6/2021, gia hạn đến 30/9/2021", date(2021, 9, 30)),
        ("Quý II/2021 (lùi sang quý IV/2021)", date(2021, 12, 31)),
        ("Tháng 6/2021 - đã điều chỉnh: tháng 10/2021", date(2021, 10, 31)),
        # two dates joined by a dash without spaces
        ("01/3/2021-30/6/2021", date(2021, 6, 30)),
        ("15/6-30/7/2021", date(2021, 7, 30)),
        ("Trước 30 tháng 6 năm 2021", date(2021, 6, 30)),
        # a span: the task is due at its end
        ("Tháng 6/2021 - Tháng 8/2021", date(2021, 8, 31)),
        ("Từ tháng 6 đến tháng 8/2021", date(2021, 8, 31)),
        ("Từ 01/3/2021 đến 30/6/2021", date(2021, 6, 30)),
        # lists and ranges written short: due at the end of the last part
        ("Tháng 10-11/2021", date(2021, 11, 30)),
        ("tháng 10, 11/2021", date(2021, 11, 30)),
        ("Tháng 10 và 11 năm 2021", date(2021, 11, 30)),
        ("T10-T11/2021", date(2021, 11, 30)),
        ("Quý III-IV/2021", date(2021, 12, 31)),
        ("Quý I, II/2021", date(2021, 6, 30)),
        ("Quý 3,4/2021", date(2021, 12, 31)),
        ("Q3-Q4/2021", date(2021, 12, 31)),
        ("2021-2022", date(2022, 12, 31)),
        ("Năm 2021 - 2022", date(2022, 12, 31)),
        ("15-30/6/2021", date(2021, 6, 30)),
        # a note in brackets after the deadline
        ("31/12/2021 (dự kiến)", date(2021, 12, 31)),
        ("Quý II/2021 [theo KH 15]", date(2021, 6, 30)),
        # not ranges: a month and its year, a day and its month
        ("Tháng 6-2021", date(2021, 6, 30)),
        ("Quý 4-2021", date(2021, 12, 31)),
    ],
)
def test_date_spellings_offices_send(text, due):
    assert parse_deadline(text, year=2021) == [Milestone("", due)]


def test_an_impossible_date_is_refused():
    with pytest.raises(DeadlineError, match="31/4 không có thật"):
        parse_deadline("31/4/2021")


def test_a_new_filler_word_through_the_vocabulary_alone(tmp_path):
    table = tmp_path / "tu_vung.csv"
    table.write_text(
        (BUNDLED / "tu_vung.csv").read_text(encoding="utf-8-sig") + "thoi_han,tu_dem,phấn đấu,\n",
        encoding="utf-8-sig",
    )
    with pytest.raises(DeadlineError):
        parse_deadline("phấn đấu tháng 6/2021")
    assert parse_deadline("phấn đấu tháng 6/2021", vocabulary=load_vocabulary(table)) == [
        Milestone("", date(2021, 6, 30))
    ]


years = st.integers(1990, 2099)
months = st.integers(1, 12)


@given(
    years,
    months,
    st.sampled_from(
        [
            "trong tháng {m}/{y}",
            "tháng {m:02d}/{y}",
            "THÁNG {m} NĂM {y}",
            "thang {m}-{y}",
            "chậm nhất trong tháng {m} / {y}",
            "Tháng {m}.{y}",
            "cuối tháng {m}/{y}",
            "{m}/{y}",
        ]
    ),
)
def test_month_forms(year, month, form):
    assert one(form.format(m=month, y=year)) == last_day(year, month)


@given(
    years,
    st.integers(1, 4),
    st.booleans(),
    st.sampled_from(["trong quý {q}/{y}", "Quý {q} năm {y}", "quy {q} {y}", "QUÝ {q}/{y}"]),
)
def test_quarter_forms(year, quarter, roman, form):
    q = ROMAN[quarter - 1] if roman else str(quarter)
    assert one(form.format(q=q, y=year)) == last_day(year, 3 * quarter)


@given(
    st.dates(date(1990, 1, 1), date(2099, 12, 31)),
    st.sampled_from(
        [
            "trước ngày {d}/{m}/{y}",
            "chậm nhất trước ngày {d:02d}/{m:02d}/{y}",
            "ngày {d}-{m}-{y}",
            "{d}.{m}.{y}",
            "ngày {d} tháng {m} năm {y}",
            "{y}-{m:02d}-{d:02d}",
            "Trước {d}/{m}/{yy:02d}",
        ]
    ),
)
def test_day_forms(day, form):
    text = form.format(d=day.day, m=day.month, y=day.year, yy=day.year % 100)
    # two-digit years are read as 20yy
    expected = day.replace(year=2000 + day.year % 100) if "yy" in form else day
    assert one(text) == expected


@given(years, st.booleans(), st.sampled_from(["6 tháng {h} năm {y}", "trong 6 tháng {h} năm {y}"]))
def test_half_year_forms(year, first, form):
    text = form.format(h="đầu" if first else "cuối", y=year)
    assert one(text) == date(year, 6 if first else 12, 30 if first else 31)


@given(years, st.sampled_from(["năm {y}", "cuối năm {y}", "trong năm {y}", "NAM {y}"]))
def test_year_forms(year, form):
    assert one(form.format(y=year)) == date(year, 12, 31)


@given(years, months, months)
def test_two_step_forms(year, start, finish):
    text = (
        f"Khởi công trong tháng {start}/{year} và hoàn thành chậm nhất trong tháng {finish}/{year}"
    )
    assert parse_deadline(text) == [
        Milestone("khởi công", last_day(year, start)),
        Milestone("hoàn thành", last_day(year, finish)),
    ]


@given(years, st.integers(13, 99))
def test_impossible_months_raise(year, month):
    with pytest.raises(DeadlineError):
        parse_deadline(f"tháng {month}/{year}")


@given(st.text(max_size=40))
def test_any_text_either_reads_or_raises_deadline_error(text):
    try:
        milestones = parse_deadline(text)
    except DeadlineError:
        return
    assert all(isinstance(m.due, date) for m in milestones)
