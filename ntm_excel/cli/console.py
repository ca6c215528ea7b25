"""Standard output and error that never fail on Vietnamese text, whatever their encoding.

A file or a pipe gets UTF-8, the one encoding that holds every message: what a scheduled task
appends to its log, or `ntm-excel tasks > nhiem_vu.txt`, is readable later whatever code page
the machine uses (on Windows Python would otherwise write the ANSI code page, cp1252 or the
Vietnamese cp1258, and stop at the first letter it lacks). A terminal keeps its own encoding,
since it decodes with it; a Windows console already receives Unicode through the console API
(Python reports it as UTF-8). Should a terminal use a legacy code page all the same, each
letter it cannot show is written as close as it can: Vietnamese cp1258 gets the letter and its
tone mark as separate characters (its own way of writing Vietnamese), cp1252 or cp437 the
letters without the marks they lack ("Tham sô", "Doc"), punctuation an ASCII look-alike, and
"?" only as the last resort.
"""

from __future__ import annotations

import codecs
import functools
import io
import itertools
import sys
import unicodedata
from typing import TextIO

from ntm_excel.issues import as_data

NEAREST = "ntm-nearest"  # prefix of the codec error handlers registered here

# Characters without a decomposition, written as their ASCII look-alike.
_LOOK_ALIKES = {
    "đ": "d",
    "Đ": "D",
    "–": "-",
    "—": "-",
    "‹": "<",
    "›": ">",
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "•": "*",
    "→": "->",
    "≤": "<=",
    "≥": ">=",
    "×": "x",
}


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def nearest(char: str, encoding: str) -> str:
    """`char` as close as `encoding` can write it (see the module's docstring)."""
    if _encodable(char, encoding):
        return char
    base, *marks = unicodedata.normalize("NFKD", char)
    if marks and all(unicodedata.combining(mark) for mark in marks):
        # Compose as many marks into the letter as the encoding has a letter for, then add
        # the others as combining characters where the encoding has them ("ậ" → "â" + U+0323).
        for size in range(len(marks), -1, -1):
            for composed in itertools.combinations(marks, size):
                letter = unicodedata.normalize("NFC", base + "".join(composed))
                if _encodable(letter, encoding):
                    rest = list(marks)
                    for mark in composed:
                        rest.remove(mark)
                    return letter + "".join(m for m in rest if _encodable(m, encoding))
    compatible = unicodedata.normalize("NFKD", char)  # "…" → "...", "²" → "2"
    for candidate in (_LOOK_ALIKES.get(char), compatible):
        if candidate and _encodable(candidate, encoding):
            return candidate
    return "?"


def _nearest_handler(encoding: str) -> str:
    """The name of a codec error handler writing `nearest` characters in `encoding` (the
    error itself only names "charmap" for most code pages)."""
    name = f"{NEAREST}-{encoding}"

    def write_nearest(error: UnicodeError) -> tuple[str, int]:
        if not isinstance(error, UnicodeEncodeError):
            raise error
        text = error.object[error.start : error.end]
        return "".join(nearest(char, encoding) for char in text), error.end

    codecs.register_error(name, write_nearest)
    return name


def _is_utf8(encoding: str | None) -> bool:
    return codecs.lookup(encoding or "ascii").name == "utf-8"


class DataShown:
    """A text stream that shows the control characters of what it is given («␛») instead
    of letting the terminal obey them: for output that quotes what a commune typed (a task,
    a cell), which is data, never a command to the terminal (see `issues.as_data`)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(as_data(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def readable_output() -> None:
    """Make standard output and error write every message (see the module's docstring).

    Streams that are not text files (None under pythonw, a StringIO) are left
    alone; the stream objects are kept, so loggers and progress bars holding them follow.
    """
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or stream.closed:
            continue
        if _is_utf8(stream.encoding):
            continue
        if stream.isatty():
            stream.reconfigure(errors=_nearest_handler(codecs.lookup(stream.encoding).name))
        else:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
