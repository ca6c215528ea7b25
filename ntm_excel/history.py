"""The submission history, kept in the state database (`ntm_excel.store`):

- `archive`: every file received, its bytes kept once by SHA-256 (zlib-packed when that
  saves space), never overwritten: a commune replacing or deleting its file in the inbox
  takes nothing from it; `content` gives the bytes back exactly;
- `receipts`: each time a file arrived, under which name, from where (`folder`, or `mail`
  with sender, subject and message id), when; a file's arrival is its earliest receipt;
- `readings`: what reading a file gave (the read cache), by content, name and the reading
  context (reader code, catalogue, registry): a file read once is not parsed again;
- `judgements`: what judging a file's reading gave (each unit's report and issues), by
  content, name and the judging context (the reading context, the whole catalogue, the
  criteria set, the judging code): a file judged once is not decoded and judged again;
- `versions`: each distinct file of a unit with its judgement (values, statuses, criteria,
  roadmap tasks, issues); a unit's versions, in order, are what it sent over time;
- `consolidations`: each consolidation with its inputs (names and hashes) and outputs;
- `outputs`: a fingerprint of each feedback workbook written, to rewrite only what changed;
- `file_stats`: what each file's `stat` said when it was hashed (size, times, inode, device)
  and its hash: a file that still says the same is not read and hashed again (see `Stat`).
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import hashlib
import importlib
import io
import json
import operator
import os
import pickle
import re
import time
import types
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from isal import isal_zlib

from ntm_excel.errors import DamagedRecord, StoreError
from ntm_excel.issues import Issue, Severity
from ntm_excel.model import (
    CriterionEntry,
    IndicatorEntry,
    IndicatorResult,
    ReadingReport,
    Status,
    Submission,
    Task,
    UnitReport,
)
from ntm_excel.store import Store

ARCHIVE_LIMIT = 100 * 1024 * 1024  # larger files are not read either: receipt only
BATCH_BYTES = 32 * 1024 * 1024  # new archive content per transaction, at most
# ISA-L's level of the caches' blobs (a zlib stream): as small as zlib's level 1, three times
# as fast (the workers pack a blob per file)
READING_PACKING = 1
ARCHIVE_PACKING = 1  # level of archived files (.xls…) packed in zlib's format by ISA-L:
# about five times as fast as zlib's level 1, no larger
PACK_GAIN = 0.9  # keep the zlib-packed bytes when they are this much smaller or less
LOOKUP_CHUNK = 500  # keys per SQL query
HASH_THREADS = 4  # files hashed at a time
# A file's times closer than this to the moment it was hashed do not vouch for its hash: a
# file system's clock steps (two seconds on FAT) can hide a change made just after
RACY_NS = 2_000_000_000
_STATUS = {status.value: status for status in Status}  # faster than Status(text)
_HASH_PREFIX = re.compile(r"[0-9a-fA-F]{6,64}")  # enough of a SHA-256 to name one file


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _chunks(items: Sequence, size: int = LOOKUP_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """A file found at a path: its content hash and size."""

    sha256: str
    size: int


class Stat(NamedTuple):
    """What a file's `stat` says of its content. A file that says the same as when it was
    hashed, its times then older than `RACY_NS`, has the same content: writing a file sets
    its modification and change times to the moment of writing, setting its modification
    time back sets its change time, and a copy or a file saved anew (renamed over it) has
    another inode. (On Windows the change time is the creation time: a file rewritten in
    place to the same size with its modification time set back is not told, as by git.)"""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, found: os.stat_result) -> Stat:
        return cls(found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)


@dataclass(frozen=True)
class Arrival:
    """A file hashed on its arrival, not yet archived; `noted`: its `Stat` to note with its
    hash, when it was read and hashed now and its times were old enough (`RACY_NS`)."""

    received: Received
    arrived: datetime
    noted: Stat | None = None


@dataclass(frozen=True)
class ArchivedFile:
    """One receipt of an archived file."""

    sha256: str
    size: int
    name: str
    received: datetime
    source: str
    sender: str = ""
    subject: str = ""


class ValueRecord(NamedTuple):
    """One indicator of a version, as judged (a tuple: a batch records hundreds of
    thousands, and each becomes a row as it is)."""

    code: str
    criterion_no: int
    text: str
    raw: str
    value: float | str | None
    self_assessment: Status
    computed_status: Status
    status: Status
    sheet: str = ""
    cell: str = ""


class CriterionRecord(NamedTuple):
    criterion_no: int
    name: str
    status: Status


@dataclass(frozen=True)
class VersionRecord:
    """What is recorded of one file of one unit (see `ntm_excel.check.record`)."""

    unit_code: str
    sha256: str
    name: str
    report_date: date | None
    catalog_set: str
    context: str  # the judgement's context: a new one re-records the version's judgement
    criteria_met: int
    criteria_total: int
    meets_all: bool
    errors: int
    warnings: int
    values: tuple[ValueRecord, ...] = ()
    criteria: tuple[CriterionRecord, ...] = ()
    tasks: tuple[Task, ...] = ()
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class Version:
    """One version of a unit's submission, as the history lists it."""

    id: int
    unit_code: str
    sha256: str
    name: str
    received: datetime  # its arrival: the earliest receipt of its content
    report_date: date | None
    catalog_set: str
    criteria_met: int
    criteria_total: int
    meets_all: bool
    errors: int
    warnings: int


@dataclass(frozen=True)
class VersionDetail:
    version: Version
    values: dict[str, ValueRecord]
    criteria: dict[int, CriterionRecord]
    tasks: tuple[Task, ...]
    issues: tuple[Issue, ...]


@dataclass(frozen=True)
class Consolidated:
    """One consolidation run."""

    id: int
    started: datetime
    as_of: date
    catalog_set: str
    inputs: tuple[tuple[str, str], ...]  # (file name, sha256)
    parsed: int  # files actually parsed (the others came from the read cache)
    outputs: tuple[str, ...]
    finished: datetime | None


# --- the caches' codec ---------------------------------------------------------------------

# A file's reading and what judging it gave are kept as one blob, which the readings and the
# judgements tables both hold: two pickles in one stream, the reading, then the judgement,
# whose copy of the reading is a mere reference to the first (the pickler's memo), so that
# one encoding serves both caches. Submissions are kept without the file's place and time:
# they are taken from the file when the blob is used again. Reading a blob back
# (`_Unpickler`) builds only the data classes and enums of `_DATA_MODULES` that nothing can
# call, and dates; it imports nothing, inflates at most `MAX_INFLATED` bytes, and refuses a
# blob that changed any of those classes or enum members while it was read
# (`_unchanged_types`): a damaged or forged store gives an error, and that file is read again.
_DATA_MODULES = ("ntm_excel.model", "ntm_excel.issues", "ntm_excel.check.consolidate")
MAX_INFLATED = 64 << 20  # bytes: a blob is a few kilobytes
_PATH_FIELDS = ("path", "modified")  # the file's place and time: taken from the file itself
_SUBMISSION_FIELDS = tuple(f.name for f in dataclasses.fields(Submission))
_PLACE = tuple(_SUBMISSION_FIELDS.index(name) for name in _PATH_FIELDS)  # where, when


# What only a file judged again needs of its submission (the validator reads the rows, a
# version recorded keeps their wording, the feedback shows how the file was read): two
# thirds of a judgement's objects, decoded when first asked for (`_KeptSubmission`).
_DETAILS = ("indicators", "criteria", "reading")
_DETAIL_INDEX = tuple(_SUBMISSION_FIELDS.index(name) for name in _DETAILS)


def _without_place(submission: Submission) -> tuple:
    """A submission pickled by its fields without the file's place and time; its details
    (`_DETAILS`) packed apart, to be decoded only when used."""
    values = [getattr(submission, name) for name in _SUBMISSION_FIELDS]
    details = tuple(values[index] for index in _DETAIL_INDEX)
    for index in _PLACE + _DETAIL_INDEX:
        values[index] = None
    packed = isal_zlib.compress(_pickled(details), READING_PACKING)
    return _kept_submission, (tuple(values), packed, zlib.crc32(packed))


def _kept_submission(values: tuple, details: bytes, check: int) -> Submission:
    """What a kept submission's pickle names: built by `_Placed.kept` when decoded."""
    return _Placed("", datetime.min).kept(values, details, check)


class _KeptSubmission(Submission):
    """A submission taken from the store: its details (`_DETAILS`) are decoded (restricted
    as the rest, see `_Unpickler`) when first used. It equals, hashes, prints and pickles as
    the submission it stands for."""

    __slots__ = ("_details",)

    def __getattr__(self, name: str) -> object:  # only for a slot not set: the details
        if name not in _DETAILS:
            raise AttributeError(name)
        packed = object.__getattribute__(self, "_details")
        try:
            details = _Unpickler(packed, "", datetime.min).load_all(1)[0]
            indicators, criteria, reading = details
            if not (
                all(type(each) is IndicatorEntry for each in indicators)
                and all(type(each) is CriterionEntry for each in criteria)
                and (reading is None or type(reading) is ReadingReport)
            ):
                raise pickle.UnpicklingError("chi tiết không đúng kiểu")
        except Exception as exc:  # noqa: BLE001 - whatever a damaged record gives
            path = object.__getattribute__(self, "path")
            raise DamagedRecord(
                f"Bản ghi của tệp {path} trong kho trạng thái bị hỏng hoặc bị sửa ({exc})."
            ) from exc
        for field_name, value in zip(_DETAILS, details, strict=True):
            object.__setattr__(self, field_name, value)
        return getattr(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Submission):
            return NotImplemented
        return _fields_of(self) == _fields_of(other)

    __hash__ = Submission.__hash__

    def __repr__(self) -> str:
        return Submission.__name__ + Submission.__repr__(self)[len(type(self).__qualname__) :]

    def __reduce__(self) -> tuple:
        return Submission, _fields_of(self)


_fields_of = operator.attrgetter(*_SUBMISSION_FIELDS)


@dataclass(frozen=True)
class _Placed:
    """Builds a kept submission back with the file's place and time."""

    path: str
    modified: datetime

    def __call__(self, *values: object) -> Submission:  # a submission kept whole (before)
        values = list(values)
        values[_PLACE[0]], values[_PLACE[1]] = self.path, self.modified
        return Submission(*values)

    def kept(self, values: tuple, details: bytes, check: int) -> Submission:
        """A submission whose details are decoded when used (`_KeptSubmission`); their
        checksum is compared here, so that a damaged record is found while the file can be
        read again."""
        if type(details) is not bytes or zlib.crc32(details) != check:
            raise pickle.UnpicklingError("chi tiết bị hỏng")
        submission = object.__new__(_KeptSubmission)
        place = dict(zip(_PLACE, (self.path, self.modified), strict=True))
        for index, (name, value) in enumerate(zip(_SUBMISSION_FIELDS, values, strict=True)):
            if index not in _DETAIL_INDEX:
                object.__setattr__(submission, name, place.get(index, value))
        object.__setattr__(submission, "_details", details)
        return submission


# A unit's report is kept with its indicators packed apart and decoded when first used: the
# summary, the matrix and the other sheets a re-run writes need its criteria, not its fifty
# indicators (most of a judgement's objects); the detail and the CSV files, written in forked
# processes at a province's scale, decode them there.
_REPORT_FIELDS = tuple(f.name for f in dataclasses.fields(UnitReport))
_INDICATORS = "indicators"
_KEPT_REPORT_FIELDS = frozenset(_REPORT_FIELDS) - {_INDICATORS}


def _report_without_indicators(report: UnitReport) -> tuple:
    """A unit's report pickled by its fields, its indicators packed apart (`_KeptReport`)."""
    values = {name: getattr(report, name) for name in _REPORT_FIELDS}
    indicators = values.pop(_INDICATORS)
    packed = isal_zlib.compress(_pickled(indicators), READING_PACKING)
    return _kept_report, (values, packed, zlib.crc32(packed), len(indicators))


def _kept_report(values: dict, indicators: bytes, check: int, count: int) -> UnitReport:
    """What a kept report's pickle names: a `_KeptReport` whose indicators are decoded when
    used; their checksum is compared here, so that a damaged record is found while the file
    can be read again."""
    if (
        type(values) is not dict
        or values.keys() != _KEPT_REPORT_FIELDS
        or type(indicators) is not bytes
        or zlib.crc32(indicators) != check
        or type(count) is not int
    ):
        raise pickle.UnpicklingError("báo cáo của đơn vị bị hỏng")
    report = object.__new__(_KeptReport)
    vars(report).update(values, _packed_indicators=indicators, _indicator_count=count)
    return report


class _KeptReport(UnitReport):
    """A unit's report taken from the store: its indicators are decoded (restricted as the
    rest, see `_Unpickler`) when first used. It equals, prints and pickles as the report it
    stands for."""

    def __getattr__(self, name: str) -> object:  # only for an attribute not set: the indicators
        if name != _INDICATORS:
            raise AttributeError(name)
        try:
            decoded = _Unpickler(vars(self)["_packed_indicators"], "", datetime.min).load_all(1)[0]
            if type(decoded) is not list or not all(
                type(each) is IndicatorResult for each in decoded
            ):
                raise pickle.UnpicklingError("chỉ tiêu không đúng kiểu")
        except Exception as exc:  # noqa: BLE001 - whatever a damaged record gives
            raise DamagedRecord(
                f"Bản ghi kết quả của {self.unit.name} trong kho trạng thái bị hỏng hoặc bị sửa "
                f"({exc})."
            ) from exc
        self.indicators = decoded
        return decoded

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UnitReport):
            return NotImplemented
        return _report_fields(self) == _report_fields(other)

    __hash__ = UnitReport.__hash__

    def __repr__(self) -> str:
        return UnitReport.__name__ + UnitReport.__repr__(self)[len(type(self).__qualname__) :]

    def __reduce__(self) -> tuple:
        return UnitReport, _report_fields(self)


_report_fields = operator.attrgetter(*_REPORT_FIELDS)


def indicator_count(report: UnitReport) -> int:
    """How many indicators `report` holds, without decoding a kept report's."""
    if _INDICATORS in vars(report):
        return len(report.indicators)
    return vars(report).get("_indicator_count", 0)


def _inflate(blob: bytes) -> bytes:
    """A blob's bytes, refused beyond `MAX_INFLATED` (inflated by ISA-L: twice as fast as
    zlib; a re-run inflates every kept judgement)."""
    inflater = isal_zlib.decompressobj()
    data = inflater.decompress(blob, MAX_INFLATED)
    if inflater.unconsumed_tail or not inflater.eof:
        raise pickle.UnpicklingError("bản ghi quá lớn hoặc bị cắt cụt")
    return data


def _callable(kind: type) -> bool:
    return any("__call__" in vars(base) for base in kind.__mro__[:-1])


@functools.cache
def _data_types() -> dict[tuple[str, str], type]:
    """What a blob may name: (module, name) → the class; built once, from modules that the
    code storing blobs has imported already."""
    found: dict[tuple[str, str], type] = {("datetime", "date"): date}
    found["datetime", "datetime"] = datetime
    for module in map(importlib.import_module, _DATA_MODULES):
        for name, kind in vars(module).items():
            if (
                isinstance(kind, type)
                and kind.__module__ == module.__name__
                and (dataclasses.is_dataclass(kind) or issubclass(kind, Enum))
                and not _callable(kind)
            ):
                found[module.__name__, name] = kind
    return found


def _field_builder(kind: type) -> Callable[..., object] | None:
    """A function building an instance of the slotted dataclass `kind` from its field
    values, as its generated `__init__` does (each slot set, nothing else) without that
    `__init__`'s call per field to `object.__setattr__` (a frozen class refuses its own):
    an object in half the time, and a kept judgement is mostly such objects. None when `kind`
    is not a slotted dataclass whose `__init__` is the generated one taking every field."""
    fields = dataclasses.fields(kind)
    init = vars(kind).get("__init__")
    if (
        "__slots__" not in vars(kind)
        or hasattr(kind, "__post_init__")
        or init is None
        or init.__code__.co_filename != "<string>"  # not the one `dataclass` generated
        or len(fields) < 2
        or not all(f.init for f in fields)
    ):
        return None
    slots = [getattr(kind, f.name) for f in fields]
    if not all(isinstance(slot, types.MemberDescriptorType) for slot in slots):
        return None
    names = [f"v{index}" for index in range(len(fields))]
    setters = {f"set{index}": slot.__set__ for index, slot in enumerate(slots)}
    sets = "".join(f"    set{index}(made, v{index})\n" for index in range(len(fields)))
    source = f"def build({', '.join(names)}):\n    made = new(kind)\n{sets}    return made\n"
    space = {"new": object.__new__, "kind": kind, **setters}
    exec(source, space)  # noqa: S102 - our own text: names and numbers only
    return space["build"]


@functools.cache
def _field_builders() -> dict[tuple[str, str], Callable[..., object]]:
    """What a blob's pickles of slotted dataclasses (pickled by their class and field values:
    `_by_fields`) call: `_field_builder` of each such class `_data_types` names."""
    found = {}
    for key, kind in _data_types().items():
        if kind is Submission or not dataclasses.is_dataclass(kind):
            continue  # a submission is built with the file's place and time (`_Placed`)
        if (builder := _field_builder(kind)) is not None:
            found[key] = builder
    return found


@functools.cache
def _by_fields() -> dict[type, Callable[[object], tuple]]:
    """How `encode_reading` pickles each class of `_field_builders`: its class and its field
    values, which the builder takes back."""

    def reducer(kind: type) -> Callable[[object], tuple]:
        values = operator.attrgetter(*(f.name for f in dataclasses.fields(kind)))
        return lambda item: (kind, values(item))

    return {kind: reducer(kind) for kind in map(_data_types().get, _field_builders())}


@functools.cache
def _type_snapshot() -> tuple[tuple[object, dict], ...]:
    """The attributes of every class a blob may name, and of every enum member."""
    kinds = [kind for kind in _data_types().values() if kind not in (date, datetime)]
    for kind in kinds:  # what pickling a class records on it the first time, recorded now
        copyreg._slotnames(kind)
    members = [member for kind in kinds if issubclass(kind, Enum) for member in kind]
    return tuple((each, dict(vars(each))) for each in kinds + members)


def _unchanged_types() -> None:
    """Refuse a blob that changed a class or an enum member (pickle's BUILD sets attributes
    on whatever it is given): the attributes are put back as they were first."""
    for each, attributes in _type_snapshot():
        if vars(each) != attributes:
            for name in set(vars(each)) - set(attributes):
                type.__delattr__(each, name) if isinstance(each, type) else delattr(each, name)
            for name, value in attributes.items():
                if vars(each).get(name, _MISSING) is not value:
                    setter = type.__setattr__ if isinstance(each, type) else object.__setattr__
                    setter(each, name, value)
            raise pickle.UnpicklingError("bản ghi sửa đổi kiểu dữ liệu của chương trình")


_MISSING = object()


class _Unpickler(pickle.Unpickler):
    """Builds only what `_data_types` names, and submissions with the file's place and time
    (see the codec's notes above); `load_all` checks the classes after the blob is read."""

    def __init__(self, blob: bytes, path: str, modified: datetime) -> None:
        super().__init__(io.BytesIO(_inflate(blob)))
        placed = _Placed(path, modified)
        self._builders = {  # bound methods: a blob cannot reach or change `placed` itself
            (Submission.__module__, Submission.__qualname__): placed.__call__,
            (__name__, _kept_submission.__name__): placed.kept,
            (__name__, _kept_report.__name__): _kept_report,
        }

    def find_class(self, module: str, name: str) -> object:
        key = (module, name)
        found = self._builders.get(key) or _field_builders().get(key) or _data_types().get(key)
        if found is None or found is Submission or found is _KeptSubmission:
            raise pickle.UnpicklingError(f"{module}.{name} không được lưu trong kho")
        return found

    def load_all(self, count: int) -> list:
        """The blob's first `count` pickles."""
        _type_snapshot()  # taken before the first blob is read
        try:
            return [self.load() for _ in range(count)]
        finally:
            _unchanged_types()


def encode_reading(
    reading: Sequence[tuple[Submission | None, Sequence[Issue]]], judgement: object = None
) -> bytes:
    """What reading a file gave (a submission and its issues per unit it holds) and, when
    given, what judging that reading gave (plain data, the package's dataclasses and enums,
    dates), packed for the store without the file's place and time: `decode_reading` and
    `decode_judgement` give each back."""
    return isal_zlib.compress(_pickled(reading, judgement), READING_PACKING)


def _pickled(*objects: object) -> bytes:
    """The pickles of `objects` (None left out) in one stream, one memo: submissions without
    their place and time, units' reports with their indicators packed apart, the slotted
    dataclasses by their field values (`_by_fields`)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    kept_apart = {
        Submission: _without_place,
        _KeptSubmission: _without_place,
        UnitReport: _report_without_indicators,
        _KeptReport: _report_without_indicators,
    }
    pickler.dispatch_table = copyreg.dispatch_table | _by_fields() | kept_apart
    for each in objects:
        if each is not None:
            pickler.dump(each)  # a judgement's reading: references to the reading above
    return buffer.getvalue()


def decode_reading(
    blob: bytes, path: Path, modified: datetime
) -> list[tuple[Submission | None, list[Issue]]]:
    """A reading back, as reading the file at `path` (modified at `modified`) gives it."""
    return _Unpickler(blob, str(path), modified).load_all(1)[0]


def decode_judgement(blob: bytes, path: str, modified: datetime) -> object:
    """A judgement back, as judging the file at `path` (modified at `modified`) gives it."""
    return _Unpickler(blob, path, modified).load_all(2)[1]  # the reading, then the judgement


# --- the store --------------------------------------------------------------------------


def _pack(data: bytes) -> tuple[str, bytes]:
    if data.startswith(b"PK\x03\x04"):  # .xlsx, .ods: a zip package, its parts deflated already
        return "raw", data
    packed = isal_zlib.compress(data, ARCHIVE_PACKING)  # unpacked by zlib (`content`)
    return ("zlib", packed) if len(packed) <= PACK_GAIN * len(data) else ("raw", data)


_VERSION_TABLES = {  # a version's own rows: table → how a row is inserted
    "version_values": "INSERT OR IGNORE INTO version_values"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "version_criteria": "INSERT OR IGNORE INTO version_criteria VALUES (?, ?, ?, ?)",
    "version_tasks": "INSERT INTO version_tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "version_issues": "INSERT INTO version_issues VALUES (?, ?, ?, ?, ?, ?, ?)",
}


_TEXT = {member: member.value for kind in (Status, Severity) for member in kind}  # as stored


def _value_columns(value: float | str | None) -> tuple[float | None, str | None]:
    """A value's columns: a number (value_number), else text (value_text)."""
    if isinstance(value, (int, float)):  # noqa: UP038 - a tuple is faster than a union here
        return float(value), None
    return None, value


_OWNERS = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps without its checks per call


def _version_rows(version: int, r: VersionRecord, rows: dict[str, list[tuple]]) -> None:
    """Add the rows of version `version` (recorded as `r`) to `rows` (table → rows)."""
    text_of = _TEXT.__getitem__
    rows["version_values"] += [
        (version, code, no, text, raw, *_value_columns(value), text_of(own),
         text_of(computed), text_of(status), sheet, cell)
        for code, no, text, raw, value, own, computed, status, sheet, cell in r.values
    ]  # fmt: skip
    rows["version_criteria"] += [
        (version, no, name, text_of(status)) for no, name, status in r.criteria
    ]
    rows["version_tasks"] += [
        (
            version,
            seq,
            t.criterion_no,
            t.text,
            t.milestone,
            t.deadline_text,
            t.due.isoformat() if t.due else None,
            _OWNERS(t.owners),
            int(t.done),
            t.status_text,
        )  # fmt: skip
        for seq, t in enumerate(r.tasks)
    ]
    rows["version_issues"] += [
        (version, seq, i.code, text_of(i.severity), i.sheet, i.cell, i.message)
        for seq, i in enumerate(r.issues)
    ]


class History(Store):
    """The submission history in the state folder's database (see the module's notes)."""

    # --- receiving files ------------------------------------------------------------------

    def receive_files(
        self, paths: Iterable[Path], *, now: datetime | None = None
    ) -> dict[Path, Received]:
        """Hash each file, archive the bytes not archived yet and note its receipt (name and
        arrival: now, or the file's modification time when that is earlier; a receipt
        already noted keeps its first time). Files that cannot be read are left out."""
        arrivals = self.hash_files(paths, now=now)
        self.store_files(arrivals)
        return {path: arrival.received for path, arrival in arrivals.items()}

    def hash_files(
        self, paths: Iterable[Path], *, now: datetime | None = None
    ) -> dict[Path, Arrival]:
        """`hash_files`, a file whose `Stat` is the one noted with its hash (`store_files`
        notes them) not read again: its noted hash is used."""
        paths = list(paths)
        return hash_files(paths, now=now, noted=self._noted([_place(p) for p in paths]))

    def _noted(self, places: Sequence[str]) -> dict[str, tuple[Stat, str]]:
        """Place → (its stat, its hash) noted, for the `places` noted."""
        found = {}
        for chunk in _chunks(places):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT path, size, mtime_ns, ctime_ns, inode, device, sha256 FROM file_stats"
                f" WHERE path IN ({marks})",
                chunk,
            )
            found |= {row[0]: (Stat(*row[1:6]), row[6]) for row in rows}
        return found

    def store_files(self, arrivals: dict[Path, Arrival]) -> None:
        """Archive the bytes of the hashed files not archived yet (read again, and kept only
        when they still have the hash: a file changed since is not archived) and note each
        receipt, in transactions of at most `BATCH_BYTES` of new content."""
        items = list(arrivals.items())
        archived = self._archived({arrival.received.sha256 for _, arrival in items})
        pending: list[tuple[Path, Arrival, bytes | None]] = []
        size = 0
        for path, arrival in items:
            digest, data = arrival.received.sha256, None
            if digest not in archived and arrival.received.size <= ARCHIVE_LIMIT:
                with contextlib.suppress(OSError):
                    data = path.read_bytes()
                if data is not None and hashlib.sha256(data).hexdigest() != digest:
                    data = None  # changed since it was hashed: its reading is not kept either
                if data is not None:
                    archived.add(digest)
                    size += len(data)
            pending.append((path, arrival, data))
            if size >= BATCH_BYTES:
                self._receive(pending)
                pending, size = [], 0
        self._receive(pending)

    def _receive(self, batch: list[tuple[Path, Arrival, bytes | None]]) -> None:
        with self.transaction() as db:
            for path, arrival, data in batch:
                digest = arrival.received.sha256
                if data is not None:
                    self._put(db, digest, data)
                db.execute(
                    "INSERT OR IGNORE INTO receipts (sha256, name, received, source)"
                    " VALUES (?, ?, ?, 'folder')",
                    (digest, path.name, utc_text(arrival.arrived)),
                )
            db.executemany(
                "INSERT OR REPLACE INTO file_stats VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (_place(path), *arrival.noted, arrival.received.sha256)
                    for path, arrival, _ in batch
                    if arrival.noted is not None
                ],
            )

    def mail_senders(self) -> dict[str, frozenset[str]]:
        """File (SHA-256) → the addresses it came from by mail (lower case); files that came
        only otherwise are not there."""
        found: dict[str, set[str]] = {}
        rows = self.db.execute(
            "SELECT sha256, sender FROM receipts WHERE source = 'mail' AND sender != ''"
        )
        for sha256, sender in rows:
            found.setdefault(sha256, set()).add(sender.strip().lower())
        return {sha256: frozenset(senders) for sha256, senders in found.items()}

    def record_mail(
        self,
        data: bytes,
        name: str,
        received: datetime,
        *,
        sender: str = "",
        subject: str = "",
        message_id: str = "",
    ) -> str:
        """Archive a file that came by mail and note its receipt with the mail's sender,
        subject, message id and time (for mail collection: call this before the file is put
        in the inbox; the file's arrival is then the mail's). Returns its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        with self.transaction() as db:
            if not self._archived({digest}):
                self._put(db, digest, data)
            db.execute(
                "INSERT OR IGNORE INTO receipts"
                " (sha256, name, received, source, sender, subject, message_id)"
                " VALUES (?, ?, ?, 'mail', ?, ?, ?)",
                (digest, name, utc_text(received), sender, subject, message_id),
            )
        return digest

    def _put(self, db, digest: str, data: bytes) -> None:
        packing, content = _pack(data)
        db.execute(
            "INSERT OR IGNORE INTO archive (sha256, size, packing, content, stored)"
            " VALUES (?, ?, ?, ?, ?)",
            (digest, len(data), packing, content, utc_text(datetime.now(UTC))),
        )

    def _archived(self, digests: Iterable[str]) -> set[str]:
        digests, found = list(digests), set()
        for chunk in _chunks(digests):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT sha256 FROM archive WHERE sha256 IN ({marks})", chunk)
            found |= {row[0] for row in rows}
        return found

    def content(self, sha256: str) -> bytes:
        """The archived bytes of a file, exactly as received (checked against the hash)."""
        row = self.db.execute(
            "SELECT size, packing, content FROM archive WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None:
            raise StoreError(f"Không có tệp mã {sha256[:12]} trong kho lưu trữ.")
        data = row["content"]
        if row["packing"] == "zlib":
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, row["size"] + 1)  # never more than it said
        if len(data) != row["size"] or hashlib.sha256(data).hexdigest() != sha256:
            raise StoreError(f"Tệp mã {sha256[:12]} trong kho lưu trữ bị hỏng (sai mã kiểm tra).")
        return data

    def find(self, key: str) -> list[ArchivedFile]:
        """Archived files whose hash starts with `key` (hex) or that arrived named `key`,
        latest first (one line per file: its first receipt under that name)."""
        key = key.strip()
        prefix = key.lower() if _HASH_PREFIX.fullmatch(key) else None
        rows = self.db.execute(
            "SELECT a.sha256, a.size, r.name, MIN(r.received) AS received, r.source, r.sender,"
            " r.subject FROM archive a JOIN receipts r ON r.sha256 = a.sha256"
            " WHERE substr(a.sha256, 1, length(?)) = ? OR r.name = ?"
            " GROUP BY a.sha256, r.name ORDER BY received DESC, a.sha256",
            (prefix, prefix, key),
        ).fetchall()
        return [
            ArchivedFile(
                r["sha256"],
                r["size"],
                r["name"],
                _moment(r["received"]),
                r["source"],
                r["sender"],
                r["subject"],
            )  # fmt: skip
            for r in rows
        ]

    def archive_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM archive").fetchone()[0]

    # --- the read and judgement caches ----------------------------------------------------

    def readings(
        self, context: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], bytes]:
        """(sha256, name) → the stored reading, for the keys read before in `context`."""
        return self._kept("readings", context, keys)

    def save_readings(self, context: str, readings: dict[tuple[str, str], bytes]) -> None:
        """Store readings made in `context` (replacing any stored under the same key: one
        that could not be used is mended); readings of any other context are dropped (the
        reader, catalogue or registry changed since: they would never be used again)."""
        self._keep("readings", context, readings)

    def judgements(
        self, context: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], bytes]:
        """(sha256, name) → the stored judgement, for the keys judged before in `context`."""
        return self._kept("judgements", context, keys)

    def save_judgements(self, context: str, judgements: dict[tuple[str, str], bytes]) -> None:
        """Store judgements made in `context` (see `save_readings`)."""
        self._keep("judgements", context, judgements)

    def _kept(
        self, table: str, context: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], bytes]:
        keys, found = list(keys), {}
        for chunk in _chunks(keys):
            clause = " OR ".join("(sha256 = ? AND name = ?)" for _ in chunk)
            rows = self.db.execute(
                f"SELECT sha256, name, result FROM {table} WHERE context = ? AND ({clause})",
                [context, *(part for key in chunk for part in key)],
            )
            found |= {(row[0], row[1]): row[2] for row in rows}
        return found

    def _keep(self, table: str, context: str, results: dict[tuple[str, str], bytes]) -> None:
        if not results:
            return
        with self.transaction() as db:
            db.execute(f"DELETE FROM {table} WHERE context != ?", (context,))
            db.executemany(
                f"INSERT OR REPLACE INTO {table} (sha256, name, context, result)"
                " VALUES (?, ?, ?, ?)",
                [(digest, name, context, blob) for (digest, name), blob in results.items()],
            )

    def forget_kept(self) -> None:
        """Drop every reading and judgement kept (one could not be used: `DamagedRecord`):
        the files are read again, nothing else is lost."""
        with self.transaction() as db:
            db.execute("DELETE FROM readings")
            db.execute("DELETE FROM judgements")

    # --- versions and runs ----------------------------------------------------------------

    def record(
        self,
        records: Sequence[VersionRecord],
        *,
        as_of: date,
        catalog_set: str,
        inputs: Sequence[tuple[str, str]],
        parsed: int,
        started: datetime | None = None,
    ) -> int:
        """Record a consolidation and the versions it judged, in one transaction; returns
        the consolidation's id. A version already recorded in the same context is left as
        it is; one judged in another context gets the new judgement. A file whose bytes are
        not archived (too large, or changed while it was read) is not recorded."""
        started = started or datetime.now(UTC)
        with self.transaction() as db:
            archived = self._archived({r.sha256 for r in records})
            self._record_versions(db, [r for r in records if r.sha256 in archived])
            cursor = db.execute(
                "INSERT INTO consolidations (started, as_of, catalog_set, inputs, parsed)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    utc_text(started),
                    as_of.isoformat(),
                    catalog_set,
                    json.dumps(sorted(map(list, inputs)), ensure_ascii=False),
                    parsed,
                ),
            )
        return cursor.lastrowid

    def judged(self, versions: Iterable[tuple[str, str]], context: str) -> set[tuple[str, str]]:
        """The (unit code, sha256) of `versions` recorded already with their judgement made
        in `context` (`record` leaves them as they are)."""
        versions = set(versions)
        known = self._versions_of({digest for _, digest in versions})
        return {key for key in versions if known.get(key, (0, ""))[1] == context}

    def _versions_of(self, digests: Iterable[str]) -> dict[tuple[str, str], tuple[int, str]]:
        """(unit code, sha256) → (id, context) of the versions recorded of these files."""
        digests, found = list(digests), {}
        for chunk in _chunks(digests):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT unit_code, sha256, id, context FROM versions WHERE sha256 IN ({marks})",
                chunk,
            )
            found |= {(row[0], row[1]): (row[2], row[3]) for row in rows}
        return found

    def _record_versions(self, db, records: Sequence[VersionRecord]) -> None:
        """Record each version, unless it is recorded already in the same context (one
        judged in another context gets the new judgement; one given twice is recorded
        once); every row of a kind at once."""
        known = self._versions_of({r.sha256 for r in records})
        done: set[tuple[str, str]] = set()
        recorded = utc_text(datetime.now(UTC))
        new_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM versions").fetchone()[0]
        versions: list[tuple] = []  # new versions' rows, their ids given here
        rows: dict[str, list[tuple]] = {table: [] for table in _VERSION_TABLES}
        for r in records:
            key = (r.unit_code, r.sha256)
            row = known.get(key)
            if key in done or (row is not None and row[1] == r.context):
                continue
            done.add(key)
            columns = (
                r.report_date.isoformat() if r.report_date else None,
                r.catalog_set,
                r.context,
                r.criteria_met,
                r.criteria_total,
                int(r.meets_all),
                r.errors,
                r.warnings,
                recorded,
            )
            if row is None:
                new_id += 1  # as SQLite would number it: no other writer in this transaction
                version = new_id
                versions.append((version, r.unit_code, r.sha256, r.name, *columns))
            else:
                version = row[0]
                for table in _VERSION_TABLES:
                    db.execute(f"DELETE FROM {table} WHERE version_id = ?", (version,))
                db.execute(
                    "UPDATE versions SET report_date = ?, catalog_set = ?, context = ?,"
                    " criteria_met = ?, criteria_total = ?, meets_all = ?, errors = ?,"
                    " warnings = ?, recorded = ? WHERE id = ?",
                    (*columns, version),
                )
            _version_rows(version, r, rows)
        db.executemany(
            "INSERT INTO versions (id, unit_code, sha256, name, report_date, catalog_set,"
            " context, criteria_met, criteria_total, meets_all, errors, warnings, recorded)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            versions,
        )
        for table, found in rows.items():
            db.executemany(_VERSION_TABLES[table], found)

    def last_receipt(self) -> int:
        """The id of the latest receipt (0 when none): see `discard`."""
        return self.db.execute("SELECT COALESCE(MAX(id), 0) FROM receipts").fetchone()[0]

    def discard(self, consolidation_id: int, receipts_after: int) -> None:
        """Forget a consolidation that was refused (no unit's workbook could be read): its
        row and the folder receipts noted after `receipts_after` (`last_receipt` before the
        run). The bytes archived stay, reached by no receipt until the file comes again."""
        with self.transaction() as db:
            db.execute("DELETE FROM consolidations WHERE id = ?", (consolidation_id,))
            db.execute("DELETE FROM receipts WHERE id > ? AND source = 'folder'", (receipts_after,))

    def finish(self, consolidation_id: int, outputs: Iterable[Path | str]) -> None:
        """Note the files a consolidation wrote."""
        with self.transaction() as db:
            db.execute(
                "UPDATE consolidations SET outputs = ?, finished = ? WHERE id = ?",
                (
                    json.dumps(sorted(str(p) for p in outputs), ensure_ascii=False),
                    utc_text(datetime.now(UTC)),
                    consolidation_id,
                ),
            )

    def consolidations(self) -> list[Consolidated]:
        rows = self.db.execute("SELECT * FROM consolidations ORDER BY id").fetchall()
        return [
            Consolidated(
                r["id"],
                _moment(r["started"]),
                _day(r["as_of"]),
                r["catalog_set"],
                tuple(tuple(pair) for pair in json.loads(r["inputs"])),
                r["parsed"],
                tuple(json.loads(r["outputs"])),
                _moment(r["finished"]),
            )
            for r in rows
        ]

    def versions(self, unit_code: str | None = None) -> list[Version]:
        """Every version (of one unit), each unit's in the order they arrived."""
        rows = self.db.execute(
            "SELECT v.*, COALESCE((SELECT MIN(r.received) FROM receipts r"
            " WHERE r.sha256 = v.sha256), v.recorded) AS arrived FROM versions v"
            " WHERE ? IS NULL OR v.unit_code = ? ORDER BY v.unit_code, arrived, v.id",
            (unit_code, unit_code),
        ).fetchall()
        return [_version(row) for row in rows]

    def detail(self, version: Version) -> VersionDetail:
        """A version's values, criteria, tasks and issues."""
        return self.details([version])[version.id]

    def details(self, versions: Iterable[Version]) -> dict[int, VersionDetail]:
        """Several versions' details, by version id (a few queries for all of them)."""
        by_id = {v.id: v for v in versions}
        values: dict[int, dict[str, ValueRecord]] = {key: {} for key in by_id}
        criteria: dict[int, dict[int, CriterionRecord]] = {key: {} for key in by_id}
        tasks: dict[int, list[Task]] = {key: [] for key in by_id}
        issues: dict[int, list[Issue]] = {key: [] for key in by_id}
        for r in self._rows("version_values", by_id):
            values[r["version_id"]][r["indicator_code"]] = ValueRecord(
                r["indicator_code"],
                r["criterion_no"],
                r["text"],
                r["raw"],
                r["value_number"] if r["value_number"] is not None else r["value_text"],
                _STATUS[r["self_assessment"]],
                _STATUS[r["computed_status"]],
                _STATUS[r["status"]],
                r["sheet"],
                r["cell"],
            )
        for r in self._rows("version_criteria", by_id):
            criteria[r["version_id"]][r["criterion_no"]] = CriterionRecord(
                r["criterion_no"], r["name"], _STATUS[r["status"]]
            )
        for r in self._rows("version_tasks", by_id):
            version = by_id[r["version_id"]]
            tasks[version.id].append(
                Task(
                    source="unit",
                    unit_code=version.unit_code,
                    criterion_no=r["criterion_no"],
                    text=r["text"],
                    deadline_text=r["deadline_text"],
                    due=_day(r["due"]),
                    owners=tuple(json.loads(r["owners"])),
                    milestone=r["milestone"],
                    done=bool(r["done"]),
                    status_text=r["status_text"],
                    file=version.name,
                )
            )
        for r in self._rows("version_issues", by_id):
            version = by_id[r["version_id"]]
            issues[version.id].append(
                Issue(
                    r["code"],
                    Severity(r["severity"]),
                    r["message"],
                    version.unit_code,
                    version.name,
                    r["sheet"],
                    r["cell"],
                )  # fmt: skip
            )
        return {
            key: VersionDetail(
                version, values[key], criteria[key], tuple(tasks[key]), tuple(issues[key])
            )
            for key, version in by_id.items()
        }

    def _rows(self, table: str, ids: Iterable[int]) -> Iterable:
        """The rows of a version_* table for the versions `ids`, in their order."""
        ids = sorted(ids)
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            order = ", seq" if table in ("version_tasks", "version_issues") else ""
            yield from self.db.execute(
                f"SELECT * FROM {table} WHERE version_id IN ({marks}) ORDER BY version_id{order}",
                chunk,
            )

    # --- outputs ----------------------------------------------------------------------------

    def output_fingerprints(self) -> dict[str, str]:
        """Every output noted (its resolved path) → its fingerprint."""
        return dict(self.db.execute("SELECT path, fingerprint FROM outputs").fetchall())

    def note_outputs(self, fingerprints: Mapping[Path | str, str]) -> None:
        """Note what each output file was made from, all in one transaction."""
        written = utc_text(datetime.now(UTC))
        folders = functools.cache(Path.resolve)  # the files are new: only their folders resolve
        rows = [
            (str(folders(Path(path).parent) / Path(path).name), made_of, written)
            for path, made_of in fingerprints.items()
        ]
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO outputs (path, fingerprint, written) VALUES (?, ?, ?)"
                " ON CONFLICT (path) DO UPDATE SET fingerprint = excluded.fingerprint,"
                " written = excluded.written",
                rows,
            )


def _hash(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _place(path: Path) -> str:
    """The key of a file's noted stat: its absolute path (as given: no link resolved)."""
    return os.path.abspath(path)


def hash_files(
    paths: Iterable[Path],
    *,
    now: datetime | None = None,
    noted: Mapping[str, tuple[Stat, str]] | None = None,
) -> dict[Path, Arrival]:
    """Each file's hash, size and arrival (now, or its modification time when that is
    earlier), without keeping its bytes; files that cannot be read are left out. A file
    whose `Stat` is the one `noted` (by `_place`) with a hash has that hash; the others are
    read and hashed, and given a `Stat` to note when their times are old enough."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    noted = noted or {}
    settled = time.time_ns() - RACY_NS  # before any file is looked at

    def arrival(path: Path, hashing: bool = True) -> Arrival | None:
        """None: it cannot be read, or (not `hashing`) its noted hash does not hold."""
        try:
            found = path.stat()
            stat = Stat.of(found)
            known, digest = noted.get(_place(path), (None, ""))
            if known != stat:
                if not hashing:
                    return None
                digest = _hash(path)
        except OSError:
            return None  # the reader reports it
        arrived = min(now, datetime.fromtimestamp(found.st_mtime, UTC))
        fresh = known != stat and max(stat.mtime_ns, stat.ctime_ns) < settled
        return Arrival(Received(digest, stat.size), arrived, stat if fresh else None)

    arrivals = {path: arrival(path, hashing=False) for path in paths}
    left = [path for path, found in arrivals.items() if found is None]
    # a few threads: reading and hashing release the interpreter, and disks answer faster
    # several requests at a time than one after another
    with ThreadPoolExecutor(HASH_THREADS, thread_name_prefix="hash") as threads:
        arrivals.update(zip(left, threads.map(arrival, left), strict=True))
    return {path: found for path, found in arrivals.items() if found is not None}


def _version(row) -> Version:
    return Version(
        id=row["id"],
        unit_code=row["unit_code"],
        sha256=row["sha256"],
        name=row["name"],
        received=_moment(row["arrived"]),
        report_date=_day(row["report_date"]),
        catalog_set=row["catalog_set"],
        criteria_met=row["criteria_met"],
        criteria_total=row["criteria_total"],
        meets_all=bool(row["meets_all"]),
        errors=row["errors"],
        warnings=row["warnings"],
    )
