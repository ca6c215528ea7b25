"""A file's reading report as rows a person reads: what `validate --explain` prints and the
«Cách đọc biểu» sheet of the feedback workbook shows.

Each row is (part, where, as written, read as, why): the file as a whole, the table's sheet
and heading rows, every column with its role and the evidence for it, every row under the
heading with the indicator it was read as (or why it was skipped).
"""

from __future__ import annotations

from ntm_excel.model import ReadingReport, Submission

HEADINGS = ("Mục", "Vị trí", "Trong biểu", "Đọc là", "Vì sao")
Row = tuple[str, str, str, str, str]


def report_rows(reading: ReadingReport) -> list[Row]:
    """The reading report as rows (see the module docstring)."""
    rows: list[Row] = [("Tệp", "", note, "", "") for note in reading.notes]
    if reading.sheet:
        where = f"trang «{reading.sheet}», dòng {reading.header_rows}"
        rows.append(("Bảng", where, "dòng tiêu đề của bảng tự đánh giá", "", ""))
    rows += [
        ("Cột", c.column, c.heading, c.role or "không dùng", c.evidence) for c in reading.columns
    ]
    rows += [("Dòng", str(r.row), r.text, r.code or "—", r.how) for r in reading.rows]
    return rows


def explain_lines(submission: Submission, unit_name: str = "") -> list[str]:
    """The reading report of a submission as plain text lines."""
    who = f" — {unit_name}" if unit_name else ""
    lines = [f"Cách đọc tệp «{submission.file_name}»{who}"]
    reading = submission.reading or ReadingReport()
    rows = report_rows(reading)
    lines += [f"  {row[2]}" for row in rows if row[0] == "Tệp"]
    lines += [f"  Bảng: {row[1]}" for row in rows if row[0] == "Bảng"]
    columns = [r for r in rows if r[0] == "Cột"]
    if columns:
        lines.append("  Cột:")
        width = min(34, max(len(r[2]) for r in columns))
        for _, where, written, read_as, why in columns:
            lines.append(f"    {where:<3} {_cut(written, width):<{width}}  {read_as} — {why}")
    table_rows = [r for r in rows if r[0] == "Dòng"]
    if table_rows:
        lines.append("  Dòng:")
        for _, where, written, read_as, why in table_rows:
            lines.append(f"    {where:>4} {read_as:<8} {why}: {_cut(written, 50)}".rstrip(": "))
    return lines


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
