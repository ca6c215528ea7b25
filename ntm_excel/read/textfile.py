"""Text files a spreadsheet may arrive as: their encoding and, for delimited text, their
separator (shared by `ntm_excel.read.sniff`, which tells what a file is, and
`ntm_excel.read.markup`, which reads it)."""

from __future__ import annotations

import re

_CHARSET = re.compile(rb"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def decoded(data: bytes) -> str:
    """Markup bytes as text: by their byte-order mark, else UTF-8, else the charset they
    declare, else Windows-1258 (Vietnamese Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), "replace")
        except (LookupError, UnicodeError):  # no such codec, or one that cannot replace
            pass
    return data.decode("cp1258", "replace")


_DELIMITERS = ("\t", ";", ",")


def delimiter(text: str) -> str:
    """The separator of delimited text: of tab, semicolon and comma, the one found outside
    quotes on most of its first lines, the first of those in that order ("" when none is found
    on more than half of them, or there are fewer than two lines)."""
    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
    if len(lines) < 2:
        return ""
    outside = [re.sub(r'"[^"]*"', "", line) for line in lines]
    best, found = "", len(lines) // 2
    for each in _DELIMITERS:
        count = sum(each in line for line in outside)
        if count > found:
            best, found = each, count
    return best
