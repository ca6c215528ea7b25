"""Feedback copies that carry nothing which reaches outside the workbook or runs.

The office mails a commune's own workbook back from its own address (also to a sender it
does not know), so whatever a stranger put in it would arrive with the office's name on it.
The copy keeps the commune's data and its ordinary formulas (SUM, IF, references within the
workbook still recompute when the commune edits), and loses:

- formulas that reach out or run something (`reaches_out`: DDE, references to other
  workbooks or paths, WEBSERVICE, HYPERLINK, CALL, Excel 4.0 macro functions…): a cell keeps
  the value last calculated, as its value (no value: the cell is left empty); a defined
  name, a conditional format or a validation rule gets `#REF!`;
- every relationship to something outside the package (links to files and web pages,
  linked pictures, linked objects): the hyperlink goes, the cell text stays;
- a hyperlink's `location` that is not a place in the workbook (a share, a path, a URL,
  another workbook's sheet): the same;
- links to other workbooks, data connections and their query tables, Power Query and other
  custom XML, embedded objects and controls: the parts and what points to them;
- zip members with names that are not plain relative paths (`safe_members`), and members
  no relationship leads to from the package's root (a file merely added to the zip).

`defang_package` cleans a package being edited (`package.Package`), `defang_workbook` one
loaded by openpyxl (the fallback); .xls and .ods files get a list-only workbook.
"""

from __future__ import annotations

import functools
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import unquote

from lxml import etree
from openpyxl import load_workbook

from ntm_excel.write.package import (
    CT,
    MAIN,
    PKG_REL,
    REL,
    XML_PARSER,
    Package,
    Unsupported,
    parse_part,
    part_xml,
    rel_target,
    rels_name,
)

CUT = "#REF!"  # a defined name, conditional format or validation rule that reached out

# Functions that fetch, call a service or a library, or run a command (with the "_xlfn."
# and "_xlws." prefixes Excel writes taken off), Excel 4.0 macro functions among them.
# fmt: off
_FUNCTIONS = frozenset((
    "WEBSERVICE", "FILTERXML", "HYPERLINK", "CALL", "REGISTER", "REGISTER.ID", "EXEC", "RTD",
    "DDE", "DDEAUTO", "IMAGE", "STOCKHISTORY", "TRANSLATE", "DETECTLANGUAGE", "COPILOT", "PY",
    "CUBEVALUE", "CUBEMEMBER", "CUBESET", "CUBESETCOUNT", "CUBEKPIMEMBER", "CUBEMEMBERPROPERTY",
    "CUBERANKEDMEMBER", "EXECUTE", "INITIATE", "POKE", "REQUEST", "TERMINATE", "RUN", "FOPEN",
    "FCLOSE", "FREAD", "FREADLN", "FWRITE", "FWRITELN", "FPOS", "FSIZE", "FILES", "DIRECTORY",
    "FORMULA", "FORMULA.ARRAY", "FORMULA.FILL", "SET.VALUE", "SET.NAME", "EVALUATE", "GET.CELL",
    "GET.WORKBOOK", "GET.WORKSPACE", "GET.DOCUMENT", "GET.NAME", "GET.FORMULA", "GET.WINDOW",
    "ON.TIME", "ON.KEY", "ON.ENTRY", "ON.DATA", "ON.RECALC", "ON.WINDOW", "ALERT", "HALT",
    "RETURN", "GOTO", "SEND.KEYS", "APP.ACTIVATE", "OPEN", "SAVE", "SAVE.AS",
))
# fmt: on
# a function called: a run of name characters, then "(" (`_called`)
_CALL = re.compile(r"(?<![\w.])([\w.]+)\s*\(")
_NAME_START = re.compile(r"[A-Za-z_]")
# a function passed by name, not called ("MAP(A1,_xleta.WEBSERVICE)", a LAMBDA's eta form)
_ETA = re.compile(r"(?i)\b_xleta\.([\w.]+)")
# "[1]Sheet1!A1", "[Book.xlsx]Sheet1!A1", "[1]!Name": a bracket, then a sheet name, then "!"
# (a table's "Table1[Column]" is never followed by "!"); found from the closing bracket
# (`_other_book`)
_BOOK_END = re.compile(r"\][^\s!(),;+\-*/&=<>^%{}\[\]]*!")
_NOT_IN_SHEET_NAME = frozenset("[]:\\/?*")


def _outside_literals(formula: str) -> tuple[str, list[str]] | None:
    """The formula without its string literals, and its quoted sheet names; None when a
    literal is not closed (no formula: taken as reaching out)."""
    outside, names, at = [], [], 0
    while at < len(formula):
        char = formula[at]
        if char not in "\"'":
            outside.append(char)
            at += 1
            continue
        end = at + 1
        while True:
            end = formula.find(char, end)
            if end < 0:
                return None
            if formula.startswith(char * 2, end):
                end += 2
                continue
            break
        if char == "'":
            names.append(formula[at + 1 : end])
            outside.append("'Q'")
        else:
            outside.append('""')
        at = end + 1
    return "".join(outside), names


def _other_book(outside: str) -> bool:
    """Whether a formula (its literals left out) names a sheet of another workbook: a
    closing bracket then a sheet name and "!", with an opening bracket since the closing one
    before. Each stretch between two closing brackets is looked at once (a pattern from
    each opening bracket took time growing with their number squared: 18 s for 200,000)."""
    for end in _BOOK_END.finditer(outside):
        close = end.start()
        if "[" in outside[outside.rfind("]", 0, close) + 1 : close]:
            return True
    return False


def _called(outside: str) -> Iterator[str]:
    """The names of the functions a formula (its literals left out) calls: each from the
    first letter or "_" of a run of name characters before "(". Each run is looked at once
    (a pattern tried from each letter took time growing with the square of a long name: 27
    s for 50,000 letters)."""
    for run in _CALL.findall(outside):
        if start := _NAME_START.search(run):
            yield run[start.start() :]


def reaches_out(formula: str) -> bool:
    """Whether evaluating `formula` (as stored, with or without "=") may reach outside the
    workbook or run something: DDE ("|"), a path or another workbook ("[1]Sheet!A1",
    "'C:\\…'!A1", "\\\\server\\…"), or a function of `_FUNCTIONS` (or an add-in's, "_xll.")."""
    split = _outside_literals(formula)
    if split is None:
        return True
    outside, names = split
    if "|" in outside or "\\" in outside or _other_book(outside):
        return True
    if any(_NOT_IN_SHEET_NAME.intersection(name) for name in names):
        return True
    for name in [*_called(outside), *_ETA.findall(outside)]:
        name = name.upper().replace("_XLFN.", "").replace("_XLWS.", "")
        if name in _FUNCTIONS or name.startswith("_XLL."):
            return True
    return False


# --- zip members ---

# A name that is absolute ("/", "\\", "C:"), holds a control character, or an empty, "." or
# ".." segment.
_UNSAFE_NAME = re.compile(r"^(?:[/\\]|[A-Za-z]:)|[\x00-\x1f\x7f]|(?:^|[/\\])\.{0,2}(?:[/\\]|$)")


def safe_members(members: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The members with plain relative names (no "..", no leading "/" or "\\", no drive,
    no control character), each name once, letter case ignored (the first kept)."""
    seen: set[str] = set()
    kept = []
    for member in members:
        key = member.filename.replace("\\", "/").casefold()
        if not _UNSAFE_NAME.search(member.filename) and key not in seen:
            seen.add(key)
            kept.append(member)
    return kept


# --- formulas in XML parts ---

# The elements holding formulas: a cell's <f>, a defined name, a conditional format's
# <formula>, a validation's <formula1>/<formula2> (and <xm:f> of their extensions), a chart
# series' <c:f>, a table column's formula (filled into each row added to the table).
_FORMULA_TAGS = frozenset(
    {"f", "formula", "formula1", "formula2", "definedName"}
    | {"calculatedColumnFormula", "totalsRowFormula"}
)
# The parts besides the workbook and its worksheets that hold formulas: tables and charts.
_FORMULA_FOLDERS = ("xl/tables/", "xl/charts/")
_FORMULA_START = re.compile(rb"<f(?:ormula[12]?)?(?=[\s/>])")
_ATTRIBUTES = re.compile(rb"(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>")
_PREFIXED_FORMULA = re.compile(rb"<[A-Za-z_][\w.-]*:(?:f|formula[12]?)[\s/>]")


def _formula_texts(data: bytes) -> list[str] | None:
    """The texts of the formula elements of a part, found in its bytes; None when they
    cannot be told there (a prefixed element, a comment or CDATA in one)."""
    if b":f" in data and _PREFIXED_FORMULA.search(data):
        return None
    if b"</f" not in data:  # no formula with a text
        return []
    texts = []
    for start in _FORMULA_START.finditer(data):
        attributes = _ATTRIBUTES.match(data, start.end())
        if attributes is None:
            return None
        if attributes[1]:  # <f …/>
            continue
        end = data.find(b"<", attributes.end())
        if not data.startswith(b"</", end):
            return None
        text = data[attributes.end() : end].decode("utf-8", "replace")
        texts.append(html.unescape(text) if "&" in text else text)
    return texts


def _dangerous(data: bytes) -> bool:
    """Whether a part may hold a formula that reaches out (decided from its bytes when it
    can be, else it is parsed)."""
    texts = _formula_texts(data)
    return texts is None or any(map(reaches_out, texts))


def _text(element: etree._Element) -> str:
    """An element's own text (CDATA included, comments left out)."""
    return "".join(element.xpath("text()"))


def _cut_formulas(root: etree._Element) -> None:
    """Replace every formula under `root` that reaches out: a cell's by the value last
    calculated (shared formulas with their master), any other's by `CUT`."""
    formulas = [
        e
        for e in root.iter()
        if isinstance(e.tag, str) and etree.QName(e).localname in _FORMULA_TAGS
    ]
    cell_tag, formula_tag = f"{{{MAIN}}}c", f"{{{MAIN}}}f"
    shared = {
        element.get("si")
        for element in formulas
        if element.tag == formula_tag
        and element.get("t") == "shared"
        and reaches_out(_text(element))
    }
    for element in formulas:
        text, parent = _text(element), element.getparent()
        if element.tag == formula_tag and parent is not None and parent.tag == cell_tag:
            if reaches_out(text) or (element.get("t") == "shared" and element.get("si") in shared):
                _to_value(parent, element)
        elif text.strip() and reaches_out(text):
            for child in list(element):
                element.remove(child)
            element.text = CUT


def _to_value(cell: etree._Element, formula: etree._Element) -> None:
    """Leave in `cell` the value its formula last gave (text as text), or nothing."""
    cell.remove(formula)
    for name in ("cm", "vm"):  # metadata of array formulas and of pictures in cells
        cell.attrib.pop(name, None)
    value = cell.find(f"{{{MAIN}}}v")
    if value is None or not value.text:
        if value is not None:
            cell.remove(value)
        cell.attrib.pop("t", None)
    elif cell.get("t") == "str":
        cell.remove(value)
        cell.set("t", "inlineStr")
        inline = etree.SubElement(cell, f"{{{MAIN}}}is")
        text = etree.SubElement(inline, f"{{{MAIN}}}t")
        text.text = value.text
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


# --- relationships ---

# Relationship types whose targets go with them: other workbooks, data connections and
# queries, custom XML (Power Query), embedded objects, controls, templates, frames, ribbon
# customisations (whose buttons and load callback may run a macro of a workbook on a share).
_DROPPED_TYPES = frozenset((
    "externalLink", "externalLinkPath", "connections", "queryTable", "customXml",
    "customXmlProps", "oleObject", "package", "control", "activeXControlBinary",
    "attachedTemplate", "frame", "webextensiontaskpanes", "webextension", "extensibility",
    "userCustomization",
))  # fmt: skip
# What runs or writes outside on a click or a save: a shape's macro (in another workbook),
# a VML control's macro, a sheet published to a share whenever it is saved.
_SHAPE_MACRO = re.compile(rb'(\smacro\s*=\s*)("[^"]*"|\'[^\']*\')')
_VML_MACRO = (b"<x:FmlaMacro>", b"</x:FmlaMacro>")  # around a VML control's macro
_PUBLISHED = frozenset({"webPublishItems", "webPublishObjects", "webPublishing"})
_SUSPECT_RELS = re.compile(
    rb"(?i)External|/(?:" + "|".join(sorted(_DROPPED_TYPES)).encode() + rb")[\"']"
    rb"|Target\s*=\s*[\"'](?:[A-Za-z][\w+.-]*:|[\\/]{2})"
)
_SCHEME = re.compile(r"^(?:[A-Za-z][\w+.-]*:|[\\/]{2})")
_AROUND = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_KEEP_ELEMENT = frozenset({"blip", "imagedata"})  # a picture loses its link, keeps its copy


@functools.lru_cache(maxsize=1024)
def _suspect(rels: bytes) -> bool:
    """Whether a relationships part may hold one to remove (one template's come back file
    after file: remembered)."""
    return bool(_SUSPECT_RELS.search(rels))


def _outside(rel: etree._Element) -> bool:
    return (rel.get("TargetMode") or "").lower() == "external" or bool(
        _SCHEME.match(rel.get("Target", ""))
    )


# A place in the workbook a hyperlink's `location` may name: a cell, a range, whole columns
# or rows, or a defined name, on a sheet ("'Tự đánh giá'!E12", "Sheet1!$A:$B") or not.
_REF = r"\$?[A-Za-z]{1,3}\$?\d+|\$?[A-Za-z]{1,3}|\$?\d+"
_IN_WORKBOOK = re.compile(
    rf"#?(?:(?:'(?:[^'\\/?*\[\]:]|'')+'|[^\W\d][\w.]*)!)?"
    rf"(?:(?:{_REF})(?::(?:{_REF}))?|[^\W\d][\w.]*)"
)
_HYPERLINK = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?hyperlink[\s/>]")


def in_workbook(location: str) -> bool:
    """Whether a hyperlink's `location` names a place in the workbook itself (not a share,
    a path, a URL or another workbook, which Excel may open)."""
    return bool(_IN_WORKBOOK.fullmatch(location.strip()))


def _keep_local_links(root: etree._Element) -> None:
    """Take from every hyperlink under `root` a location that is not in the workbook; a
    hyperlink left with no place at all goes (its cell text stays), and a list left empty."""
    for link in [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("hyperlink")]:
        location = link.get("location")
        if location is not None and not in_workbook(location):
            del link.attrib["location"]
        if link.get("location") is None and not any(
            k.startswith(f"{{{REL}}}") for k in link.attrib
        ):
            parent = link.getparent()
            parent.remove(link)
            if len(parent) == 0 and parent is not root and parent.getparent() is not None:
                parent.getparent().remove(parent)


def _unlink(root: etree._Element, ids: set[str]) -> None:
    """Remove what in `root` points to the relationships `ids`: a hyperlink (its cell text
    stays; one that also names a place in the workbook keeps it), an object or control
    (with the alternate content around it), a link to another workbook; a picture keeps
    its embedded copy. Lists left empty go too."""
    if not ids:
        return
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        refs = [k for k, v in element.attrib.items() if k.startswith(f"{{{REL}}}") and v in ids]
        if not refs:
            continue
        name = etree.QName(element).localname
        if (
            element is root
            or name in _KEEP_ELEMENT
            or name == "hyperlink"
            and element.get("location")
        ):
            for key in refs:
                element.attrib.pop(key)
            continue
        gone = element
        for ancestor in element.iterancestors():
            if ancestor.tag == f"{{{_AROUND}}}AlternateContent":
                gone = ancestor
        parent = gone.getparent()
        if parent is None:  # within what was removed already
            continue
        parent.remove(gone)
        while parent is not root and len(parent) == 0 and parent.getparent() is not None:
            gone, parent = parent, parent.getparent()
            parent.remove(gone)


class _Cleaning:
    """One package being cleaned (`defang_package`)."""

    def __init__(self, package: Package) -> None:
        self.package = package
        package._members = safe_members(package._members)
        self.names = {m.filename for m in package._members}
        self.members = {m.filename.lower(): m for m in package._members}
        self.dropped: set[str] = set()  # lower case
        self.unlinked: dict[str, set[str]] = {}  # source part → relationship ids removed

    def part(self, name: str) -> bytes:
        """A part's bytes (one `sniff` did not inflate read from the zip)."""
        package = self.package
        if name in package.changed or name in package._parts:
            return package._part(name)
        member = self.members.get(name.lower())
        if member is None:
            raise Unsupported(f"part {name!r} not found")
        with zipfile.ZipFile(io.BytesIO(package._data)) as archive:
            return archive.read(member)

    def rels(self, part: str) -> etree._Element | None:
        """The relationships of `part` (None when it has none), parsed (package trees)."""
        package = self.package
        if part == "":
            return package._root_rels
        if part == package.workbook_part:
            return package._workbook_rels
        name = rels_name(part)
        if name.lower() not in self.members and name not in package.changed:
            return None
        return parse_part(self.part(name), f"{{{PKG_REL}}}Relationships", name)

    def drop(self, part: str) -> None:
        """Leave `part` out, with its relationships and the parts only they lead to."""
        if part.lower() in self.dropped:
            return
        package = self.package
        if part in (package.workbook_part, *(p for p, _ in package.sheets.values())):
            raise Unsupported(f"{part}: a sheet or the workbook named as an object or a link")
        self.dropped |= {part.lower(), rels_name(part).lower()}
        rels = self.rels(part)
        for rel in rels if rels is not None else ():
            if not _outside(rel):
                self.drop(rel_target(part, rel))

    def relationships(self) -> None:
        """Remove the relationships that go outside or to a dropped kind of part."""
        package = self.package
        sources = {"": "_rels/.rels", package.workbook_part: rels_name(package.workbook_part)}
        for name in (member.filename for member in package._members):
            if name.lower().endswith(".rels") and name not in sources.values():
                folder, base = posixpath.split(name)
                sources[posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])] = name
        for source, name in sources.items():
            if name.lower() not in self.members or name.lower() in self.dropped:
                continue
            if not _suspect(self.part(name)):
                continue
            rels = self.rels(source)
            for rel in list(rels):
                kind = rel.get("Type", "").rsplit("/", 1)[-1]
                if _outside(rel) or kind in _DROPPED_TYPES:
                    rels.remove(rel)
                    self.unlinked.setdefault(source, set()).add(rel.get("Id"))
                    if not _outside(rel):
                        self.drop(rel_target(source, rel))
            if source not in ("", package.workbook_part):
                package.changed[name] = part_xml(rels)

    def parts(self) -> None:
        """Unlink what pointed to the relationships removed, and cut the formulas that
        reach out, in the workbook and its worksheets."""
        package = self.package
        _unlink(package._workbook, self.unlinked.get(package.workbook_part, set()))
        _cut_formulas(package._workbook)  # its defined names
        _unpublish(package._workbook)
        for name in self.names:
            folder = name.lower()
            if folder.startswith("xl/drawings/") and name.lower() not in self.dropped:
                data = self.part(name)
                cleaned = _without_vml_macros(_SHAPE_MACRO.sub(rb'\1""', data))
                if cleaned != data:
                    package.changed[name] = cleaned
        sheets = [part for part, kind in package.sheets.values() if kind.endswith("/worksheet")]
        formulas = [n for n in self.names if n.lower().startswith(_FORMULA_FOLDERS)]
        for name in dict.fromkeys([*sheets, *self.unlinked, *formulas]):
            if name in ("", package.workbook_part) or name.lower() in self.dropped:
                continue
            if name not in self.names or not name.lower().endswith(".xml"):
                continue
            data = self.part(name)
            ids = self.unlinked.get(name, set())
            linked = b"hyperlink" in data and _HYPERLINK.search(data) is not None
            dangerous = b"Formula>" in data or _dangerous(data)  # a table's formula: parsed
            if not ids and not linked and not dangerous and b"webPublish" not in data:
                continue
            root = etree.fromstring(data, XML_PARSER)
            _unlink(root, ids)
            _keep_local_links(root)
            _cut_formulas(root)
            _unpublish(root)
            if etree.QName(root).localname == "table" and ids:
                _plain_table(root)
            package.changed[name] = part_xml(root)

    def unreached(self) -> None:
        """Leave out the members no relationship leads to from the package's root: a file
        merely added to the zip (an .exe) rode along in every copy the office mails."""
        reached, pending = {""}, [""]
        while pending:
            part = pending.pop()
            if part.lower() in self.dropped or (part and part.lower() not in self.members):
                continue
            rels = self.rels(part)
            for rel in rels if rels is not None else ():
                target = unquote(rel_target(part, rel))  # a part name may be %-encoded there
                if target and not _outside(rel) and target.lower() not in reached:
                    reached.add(target.lower())
                    pending.append(target)
        kept = reached | {rels_name(part) for part in reached} | {"_rels/.rels"}
        kept.add("[content_types].xml")
        self.dropped |= {name for name in self.members if name not in kept}

    def leave_out(self) -> None:
        """Leave the dropped parts out of the copy and of the content types (with what
        was changed in them before they were dropped)."""
        package = self.package
        if not self.dropped:
            return
        package._dropped |= self.dropped
        for name in [name for name in package.changed if name.lower() in self.dropped]:
            del package.changed[name]
        for entry in list(package._types.iter(f"{{{CT}}}Override")):
            if entry.get("PartName", "").lstrip("/").lower() in self.dropped:
                package._types.remove(entry)


def _without_vml_macros(data: bytes) -> bytes:
    """A drawing part without its VML controls' macros, each opening tag to the first
    closing one after it; looked for once each (a pattern tried from every opening tag took
    time growing with their number squared: 20 s for 20,000 never closed)."""
    opening, closing = _VML_MACRO
    kept, at = [], 0
    while (start := data.find(opening, at)) >= 0:
        end = data.find(closing, start + len(opening))
        if end < 0:  # none closed from here on
            break
        kept.append(data[at:start])
        at = end + len(closing)
    kept.append(data[at:])
    return b"".join(kept)


def _unpublish(root: etree._Element) -> None:
    """Remove what republishes a sheet or the workbook to a file on every save."""
    for element in [e for e in root if etree.QName(e).localname in _PUBLISHED]:
        root.remove(element)


def _plain_table(root: etree._Element) -> None:
    """A table whose query went: a plain table."""
    if root.get("tableType") == "queryTable":
        root.attrib.pop("tableType")
    root.attrib.pop("connectionId", None)
    for column in root.iter(f"{{{MAIN}}}tableColumn"):
        column.attrib.pop("queryTableFieldId", None)


def defang_package(package: Package) -> None:
    """Clean a commune's package being edited (see the module's docstring); raises
    `Unsupported` for what it cannot clean (the caller falls back to openpyxl)."""
    cleaning = _Cleaning(package)
    cleaning.relationships()
    cleaning.parts()
    cleaning.unreached()
    cleaning.leave_out()


# --- openpyxl ---


def _cut(text: str | None) -> str | None:
    return CUT if text and reaches_out(text) else text


def _chart_references(sheet) -> Iterator:
    """The references (`.f`) of the series of the charts openpyxl loaded in `sheet`."""
    for chart in sheet._charts:
        for series in chart.series:
            for data in (
                series.tx,
                series.cat,
                series.val,
                series.xVal,
                series.yVal,
                series.bubbleSize,
            ):
                for kind in ("strRef", "numRef", "multiLvlStrRef"):
                    reference = getattr(data, kind, None)
                    if reference is not None:
                        yield reference


def defang_workbook(workbook, data: bytes) -> None:
    """`defang_package` for a workbook openpyxl loaded from `data` (openpyxl itself leaves
    out connections, custom XML, objects and controls): formulas that reach out replaced by
    their values (read again from `data`), hyperlinks to outside and links to other
    workbooks removed."""
    workbook._external_links = []
    for name in list(workbook.defined_names.values()):
        name.attr_text = _cut(name.attr_text)
    cut: dict[str, list] = {}
    for sheet in workbook.worksheets:
        for name in list(sheet.defined_names.values()):
            name.attr_text = _cut(name.attr_text)
        for validation in sheet.data_validations.dataValidation:
            validation.formula1 = _cut(validation.formula1)
            validation.formula2 = _cut(validation.formula2)
        for formatting in sheet.conditional_formatting:
            for rule in formatting.rules:
                rule.formula = [_cut(text) for text in rule.formula or ()]
        for table in sheet.tables.values():
            for column in table.tableColumns:
                for formula in (column.calculatedColumnFormula, column.totalsRowFormula):
                    if formula is not None:
                        formula.attr_text = _cut(formula.attr_text)
        for reference in _chart_references(sheet):
            reference.f = _cut(reference.f)
        for cell in sheet._cells.values():
            link = cell.hyperlink
            if link is not None:
                if link.location and not in_workbook(link.location):
                    link.location = None
                link.target = None
                if not link.location:
                    cell.hyperlink = None
            if cell.data_type == "f":
                text = getattr(cell.value, "text", cell.value)  # an array formula's text
                if isinstance(text, str) and reaches_out(text.removeprefix("=")):
                    cut.setdefault(sheet.title, []).append(cell)
    if cut:
        values = load_workbook(io.BytesIO(data), data_only=True)
        for title, cells in cut.items():
            for cell in cells:
                cell.value = values[title][cell.coordinate].value
                if cell.data_type == "f":  # text beginning with "=" stays text
                    cell.data_type = "s"
