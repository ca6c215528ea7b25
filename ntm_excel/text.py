"""Vietnamese text helpers: Unicode normal form and a folded key for tolerant matching."""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


# Characters that show nothing (zero-width spaces and joiners, the byte-order mark, the soft
# hyphen): pasted from the web or Word into a word («Đ\u200bạt»), they are dropped.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Full-width forms an East Asian keyboard types («９５．５％»): their ASCII letters, digits and
# signs, and the ideographic space a space
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_NFC_TABLE = _INVISIBLE | _FULL_WIDTH


def nfc(text: str) -> str:
    """NFC form with runs of white space (including non-breaking) folded to one space,
    invisible characters dropped and full-width forms made ASCII."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text.translate(_NFC_TABLE))
    return _SPACES.sub(" ", text).strip()


_SEPARATORS = re.compile(r"[^0-9a-z]+")
# «đ», «Đ», and the look-alike «Ð»/«ð» (U+00D0/U+00F0) that converters of old fonts leave
_D_WITH_STROKE = str.maketrans("đĐÐð", "dDDd")
# After NFD, Vietnamese text is ASCII plus the combining marks U+0300–U+036F (all but
# U+034F, the grapheme joiner, have a combining class): such text drops its marks with a
# plain ASCII encode. Any other character takes the general (slower) path.
_NOT_LATIN_MARKS = re.compile("[^\x00-\x7f\u0300-\u034e\u0350-\u036f]")
_ASCII_TO_SPACE = bytes(
    b if chr(b) in "0123456789abcdefghijklmnopqrstuvwxyz" else 32 for b in range(256)
)


def fold(text: str) -> str:
    """A key that ignores case, diacritics, Unicode form, punctuation and spacing.

    "UBND XÃ CẨM THÀNH", "ubnd xa cam thanh" and "Ubnd  xã Cẩm  Thành." all fold to
    "ubnd xa cam thanh".
    """
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text.translate(_D_WITH_STROKE))
        if _NOT_LATIN_MARKS.search(decomposed):
            decomposed = decomposed.translate(_INVISIBLE)
            stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
            return _SEPARATORS.sub(" ", stripped.lower()).strip()
        text = decomposed.encode("ascii", "ignore").decode("ascii")
    # ASCII: every byte but a digit or a lower-case letter separates words
    return " ".join(text.lower().encode("ascii").translate(_ASCII_TO_SPACE).decode("ascii").split())


# Keys that repeat from text to text and file to file (words, headings, codes, the names
# of a template's cells) are folded once and remembered for the life of the process.
folded = functools.lru_cache(maxsize=1 << 14)(fold)

SHORT_TEXT = 400  # characters


def memoised_text(function=None, *, entries: int = 1 << 14, size=len):
    """`function(text, *args)`, remembered for the life of the process (up to `entries`
    results) for texts of up to `SHORT_TEXT` characters: headings, codes, wording and values
    repeat from file to file (one template per district); long texts rarely do and would only
    hold memory. Used bare (`@memoised_text`) or with a size (`@memoised_text(entries=…)`).
    `size` measures the key: another kind of key (a row of texts) gives its own; one it
    cannot measure (TypeError) is not remembered."""
    if function is None:
        return functools.partial(memoised_text, entries=entries, size=size)
    cached = functools.lru_cache(maxsize=entries)(function)

    @functools.wraps(function)
    def wrapper(text, *args):
        try:
            short = size(text) <= SHORT_TEXT
        except TypeError:
            short = False
        return cached(text, *args) if short else function(text, *args)

    wrapper.cache_info, wrapper.cache_clear = cached.cache_info, cached.cache_clear
    return wrapper


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 → "A", 27 → "AB")."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@functools.lru_cache(maxsize=1 << 14)  # the same cells are named in file after file
def cell_address(row: int, col: int) -> str:
    """A1 address of a 0-based (row, column)."""
    return f"{column_letter(col)}{row + 1}"


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")


def is_email_address(text: str) -> bool:
    """Whether `text` is one plain address, name@domain.tld in ASCII: nothing a mail header
    or an SMTP command could be built from (no space, line break, «<», «,», «;» or «Bcc:»)."""
    return len(text) <= 254 and _EMAIL.fullmatch(text) is not None


def shown(text: str, limit: int = 80) -> str:
    """`text` as quoted in a message: control characters visible, at most `limit` characters."""
    visible = "".join(c if c.isprintable() else "␤" if c in "\r\n" else "·" for c in text)
    return visible if len(visible) <= limit else visible[: limit - 1] + "…"


def thousands(number: int) -> str:
    """A whole number with its thousands marked the Vietnamese way: 500000 → «500.000»."""
    return f"{number:,}".replace(",", ".")


def first_of(items: list[str], limit: int, others: str, sep: str = ", ") -> str:
    """The first `limit` of `items` joined by `sep`, and how many `others` are left:
    "Xã A, Xã B, Xã C và 4 xã khác"."""
    more = f" và {len(items) - limit} {others} khác" if len(items) > limit else ""
    return sep.join(items[:limit]) + more
