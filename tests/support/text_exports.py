"""A sample workbook as office software exports it under an Excel name without being a real
workbook: an HTML table (a web application's «Xuất Excel», Excel's «Trang web») and Excel
2003's XML Spreadsheet. Built from the workbook `write_sample` wrote, cell for cell, merges
as spans."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path

import openpyxl


def _sheets(source: Path) -> list[tuple[str, list[list[tuple[object, str]]], list[tuple]]]:
    """(name, rows of (value, number format), merges (first row, first col, last row, last
    col), 0-based) of each sheet of an .xlsx."""
    book = openpyxl.load_workbook(source)
    found = []
    for sheet in book.worksheets:
        rows = [[(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()]
        merges = [
            (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
            for m in sheet.merged_cells.ranges
        ]
        found.append((sheet.title, rows, merges))
    return found


def _shown(value: object, number_format: str) -> str:
    """The cell as Excel shows it, Vietnamese style (decimal comma)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = value * 100 if "%" in number_format else value
        text = f"{shown:g}".replace(".", ",")
        return text + "%" if "%" in number_format else text
    return escape(str(value))


def html_export(source: Path, *, excel: bool, encoding: str = "utf-8") -> bytes:
    """The sheets as HTML tables. `excel`: as Excel saves a web page (sheet names in its
    «x:ExcelWorksheet» block, numbers in «x:num»); else as a web application writes one
    (a «meta» line, then bare tables, the title block typed in table rows)."""
    tables = []
    names = []
    for name, rows, merges in _sheets(source):
        names.append(name)
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
        inside = {
            (r, c)
            for r0, c0, r1, c1 in merges
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
        } - set(spans)
        lines = ["<table border='1' cellspacing='0'>"]
        for r, row in enumerate(rows):
            cells = []
            for c, (value, number_format) in enumerate(row):
                if (r, c) in inside:
                    continue
                attrs = ""
                if (r, c) in spans:
                    down, across = spans[(r, c)]
                    attrs += f" rowspan='{down}'" if down > 1 else ""
                    attrs += f" colspan='{across}'" if across > 1 else ""
                if excel and isinstance(value, int | float) and not isinstance(value, bool):
                    attrs += f" x:num='{value}'"
                cells.append(f"<td{attrs}>{_shown(value, number_format)}</td>")
            lines.append("<tr>" + "".join(cells) + "</tr>")
        lines.append("</table>")
        tables.append("\n".join(lines))
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
    if not excel:
        return (meta + "\n".join(tables)).encode(encoding)
    sheets = "".join(f"<x:ExcelWorksheet><x:Name>{n}</x:Name></x:ExcelWorksheet>" for n in names)
    page = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel"><head>'
        f"{meta}<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets>{sheets}"
        "</x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]--></head><body>"
        + "<br>".join(tables)
        + "</body></html>"
    )
    mark = b"\xff\xfe" if encoding == "utf-16-le" else b""
    return mark + page.encode(encoding)


def xml2003_export(source: Path, *, hidden: tuple[str, ...] = ()) -> bytes:
    """The sheets as an Excel 2003 XML Spreadsheet (the sheets named in `hidden` hidden)."""
    worksheets = []
    for name, rows, merges in _sheets(source):
        spans = {(r0, c0): (r1 - r0, c1 - c0) for r0, c0, r1, c1 in merges}
        inside = {
            (r, c)
            for r0, c0, r1, c1 in merges
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
        } - set(spans)
        xml = [f'<Worksheet ss:Name="{escape(name)}"><Table>']
        for r, row in enumerate(rows):
            cells = []
            for c, (value, number_format) in enumerate(row):
                if (r, c) in inside or (value is None and (r, c) not in spans):
                    continue
                attrs = f' ss:Index="{c + 1}"'
                if (r, c) in spans:
                    down, across = spans[(r, c)]
                    attrs += f' ss:MergeAcross="{across}"' if across else ""
                    attrs += f' ss:MergeDown="{down}"' if down else ""
                cells.append(f"<Cell{attrs}{_xml_data(value, number_format)}")
            xml.append(f'<Row ss:Index="{r + 1}">' + "".join(cells) + "</Row>")
        xml.append("</Table>")
        if name in hidden:
            xml.append(
                '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">'
                "<Visible>SheetHidden</Visible></WorksheetOptions>"
            )
        xml.append("</Worksheet>")
        worksheets.append("".join(xml))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Styles>'
        '<Style ss:ID="pct"><NumberFormat ss:Format="Percent"/></Style>'
        '<Style ss:ID="date"><NumberFormat ss:Format="Short Date"/></Style></Styles>'
        + "".join(worksheets)
        + "</Workbook>"
    ).encode()


def _xml_data(value: object, number_format: str) -> str:
    """The rest of a «Cell» element: its style and «Data»."""
    if value is None:
        return "/>"
    if isinstance(value, bool):
        return f'><Data ss:Type="Boolean">{int(value)}</Data></Cell>'
    if isinstance(value, int | float):
        style = ' ss:StyleID="pct"' if "%" in number_format else ""
        return f'{style}><Data ss:Type="Number">{value}</Data></Cell>'
    if isinstance(value, datetime):
        return f' ss:StyleID="date"><Data ss:Type="DateTime">{value.isoformat()}</Data></Cell>'
    return f'><Data ss:Type="String">{escape(str(value))}</Data></Cell>'
