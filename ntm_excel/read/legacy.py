"""Legacy Vietnamese encodings still found in commune workbooks: TCVN3 (ABC) and VNI.

A cell typed with a .VnTime (TCVN3) or VNI-Times (VNI) font holds one-byte codes; Excel keeps
them as the Windows-1252 characters of those bytes, so "Cộng hoà xã hội" arrives as
"Céng hoµ x· héi" (TCVN3) or "Coäng hoøa xaõ hoäi" (VNI).

Tables (cross-checked, identical for every entry used here):
- Dao Hai Lam, xvnkb 0.2.x, files tcvn.h and vni.h (github.com/lamdao/xvnkb);
- duydev/vietnamese-conversion, src/charsets.ts (github.com/duydev/vietnamese-conversion);
- TCVN3 lower case also agrees with Eruylz/XuatThuy Utils/Unicode2TCVN3.cs.

TCVN3 here is the VN3 table of TCVN 5712:1993 used by the .Vn fonts: all 67 lower-case
letters and the seven capitals Ă Â Đ Ê Ô Ơ Ư. It has no toned capitals: a capitals font
(.VnTimeH) draws the lower-case codes as capitals. Decoding therefore gives lower case, and a
word whose ASCII letters are all capitals (two or more, or a whole text in capitals) is put
back in capitals ("UBND X· CÈM THµNH" → "UBND XÃ CẨM THÀNH"); a lone toned capital
("Ấp" typed as "Êp") cannot be told apart and stays lower case ("ấp"). The VN1 capitals of
TCVN 5712 (control codes and 0x80–0x9F) are not decoded: those bytes are quotes and dashes in
Windows-1252. VNI writes a base letter followed by a mark byte and has every capital.
Text read on a Windows-1258 system (other byte meanings) is not handled.
Conversion leaves a text alone when it holds a letter only Unicode has (ư, đ, ạ …); Unicode text
made only of Latin-1 letters ("Có", "Hòa") looks like legacy codes and would be converted, so
an encoding is detected only when legacy words outnumber Unicode ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ntm_excel.text import memoised_text

TCVN3 = "TCVN3"
VNI = "VNI"
ENCODINGS = (TCVN3, VNI)

# Vowel rows: base letter, then the tones none, sắc, huyền, hỏi, ngã, nặng.
_BASES = ("a", "â", "ă", "e", "ê", "o", "ô", "ơ", "u", "ư", "i", "y")
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")

_TCVN3_ROWS = """
a ¸ µ ¶ · ¹
© Ê Ç È É Ë
¨ ¾ » ¼ ½ Æ
e Ð Ì Î Ï Ñ
ª Õ Ò Ó Ô Ö
o ã ß á â ä
« è å æ ç é
¬ í ê ë ì î
u ó ï ñ ò ô
\u00ad ø õ ö ÷ ù
i Ý × Ø Ü Þ
y ý ú û ü þ
"""
_TCVN3_OTHERS = {"đ": "®", "Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}

_VNI_ROWS = """
a aù aø aû aõ aï
aâ aá aà aå aã aä
aê aé aè aú aü aë
e eù eø eû eõ eï
eâ eá eà eå eã eä
o où oø oû oõ oï
oâ oá oà oå oã oä
ô ôù ôø ôû ôõ ôï
u uù uø uû uõ uï
ö öù öø öû öõ öï
i í ì æ ó ò
y yù yø yû yõ î
"""
_VNI_OTHERS = {"đ": "ñ", "Đ": "Ñ"}


def _letters() -> list[str]:
    """The 72 vowel letters (12 bases × 6 tones), lower case, in table order."""
    return [unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONES]


def _rows(rows: str) -> list[str]:
    return rows.split()


def _build_tcvn3() -> dict[str, str]:
    table = {
        letter: code
        for letter, code in zip(_letters(), _rows(_TCVN3_ROWS), strict=True)
        if not letter.isascii()
    }
    table.update(_TCVN3_OTHERS)
    return table


def _build_vni() -> dict[str, str]:
    table = {}
    for letter, code in zip(_letters(), _rows(_VNI_ROWS), strict=True):
        if not letter.isascii():  # "í" and "ì" are their own VNI codes
            table[letter] = code
            table[letter.upper()] = code.upper()
    table.update(_VNI_OTHERS)
    return table


# Unicode letter → legacy code(s); complete for every letter the encoding can write.
FROM_UNICODE: dict[str, dict[str, str]] = {TCVN3: _build_tcvn3(), VNI: _build_vni()}


def _decoder(encoding: str) -> dict[str, str]:
    decoded = {code: letter for letter, code in FROM_UNICODE[encoding].items()}
    if encoding == VNI:  # a mark typed in the other case still belongs to its base letter
        for code, letter in list(decoded.items()):
            if len(code) == 2:
                decoded.setdefault(code[0] + code[1].swapcase(), letter)
    return decoded


TO_UNICODE: dict[str, dict[str, str]] = {encoding: _decoder(encoding) for encoding in ENCODINGS}
_CODES = {
    encoding: re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))
    for encoding, table in TO_UNICODE.items()
}

# Letters of Unicode Vietnamese that no Windows-1252 text can hold: a text with one of them is
# already Unicode and is never converted.
_UNICODE_ONLY = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]")
_ASCII_LOWER = re.compile("[a-z]")
_ASCII_UPPER = re.compile("[A-Z]")
_LETTERS = re.compile(r"[^\W\d_]+")


def _word_pattern(extra: str) -> re.Pattern[str]:
    return re.compile(f"[A-Za-z\u00c0-\u00ff{re.escape(extra)}]+")


_WORDS = {
    encoding: _word_pattern("".join(set("".join(TO_UNICODE[encoding])))) for encoding in ENCODINGS
}


def _restore_capitals(original: str, decoded: str) -> str:
    """Capitalise TCVN3 words written in capitals (toned capitals use lower-case codes)."""
    if not _ASCII_LOWER.search(original) and len(_ASCII_UPPER.findall(original)) >= 2:
        return decoded.upper()

    def word(match: re.Match[str]) -> str:
        text = match.group()
        if _ASCII_LOWER.search(text) or len(_ASCII_UPPER.findall(text)) < 2:
            return text
        return text.upper()

    return _LETTERS.sub(word, decoded)


@memoised_text
def to_unicode(text: str, encoding: str) -> str:
    """Decode legacy text to NFC Unicode; text already holding Unicode-only letters is kept."""
    if encoding not in TO_UNICODE:
        raise ValueError(f"unknown legacy encoding {encoding!r}")
    if _UNICODE_ONLY.search(text):
        return unicodedata.normalize("NFC", text)
    table = TO_UNICODE[encoding]
    decoded, count = _CODES[encoding].subn(lambda match: table[match.group()], text)
    if encoding == TCVN3 and count:
        decoded = _restore_capitals(text, decoded)
    return unicodedata.normalize("NFC", decoded)


def from_unicode(text: str, encoding: str) -> str:
    """Encode Unicode text the legacy way (TCVN3 writes toned capitals with lower-case codes)."""
    table = FROM_UNICODE[encoding]
    out = []
    for char in unicodedata.normalize("NFC", text):
        code = table.get(char)
        if code is None and encoding == TCVN3 and char.lower() in table and char.isupper():
            code = table[char.lower()]
        out.append(code if code is not None else char)
    return "".join(out)


_ONSET = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
# Vowel groups that end a syllable, and those that may take a final consonant.
_OPEN = (
    "iêu yêu oai oao oay oeo uây uôi ươi ươu uya uyu "
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ưa ui ưi ưu"
)
_CLOSABLE = "uyê iê yê uô ươ oa oă oe oo uâ uê uơ uy a ă â e ê i o ô ơ u ư y"
_SYLLABLE = re.compile(
    f"(?:{_ONSET})?(?:{_OPEN.replace(' ', '|')}|(?:{_CLOSABLE.replace(' ', '|')})"
    "(?:ch|ng|nh|[cmnpt])?)"
)
_TONE_MARKS = set(_TONES[1:])
_MIN_WORDS = 3


@memoised_text
def is_syllable(word: str) -> bool:
    """Whether a word is spelled like one Vietnamese syllable (letters, at most one tone)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(char in _TONE_MARKS for char in decomposed) > 1:
        return False
    toneless = unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if char not in _TONE_MARKS)
    )
    return _SYLLABLE.fullmatch(toneless) is not None


def _evidence(texts: Iterable[str]) -> tuple[dict[str, int], int]:
    """Distinct words that decode into Vietnamese per encoding, and distinct Unicode words."""
    legacy: dict[str, set[str]] = {encoding: set() for encoding in ENCODINGS}
    unicode_words: set[str] = set()
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        if _UNICODE_ONLY.search(text):
            unicode_words.update(_unicode_words(text))
            continue
        for encoding in ENCODINGS:
            legacy[encoding].update(_legacy_words(text, encoding))
    return {encoding: len(words) for encoding, words in legacy.items()}, len(unicode_words)


# A workbook's texts repeat from file to file (one template per district): the words each
# one gives as evidence are remembered.
@memoised_text
def _unicode_words(text: str) -> tuple[str, ...]:
    """The words of `text` written with a letter only Unicode has."""
    words = re.findall(r"\w+", unicodedata.normalize("NFC", text))
    return tuple(word for word in words if _UNICODE_ONLY.search(word))


@memoised_text
def _legacy_words(text: str, encoding: str) -> tuple[str, ...]:
    """The words of `text` that mix ASCII letters with legacy codes, are not a Vietnamese
    syllable as they stand and become one once decoded from `encoding`."""
    found = []
    for word in _WORDS[encoding].findall(text):
        if word.isascii() or not _ASCII_LOWER.search(word.lower()):
            continue
        if is_syllable(word):
            continue  # already a Vietnamese word as it stands
        if is_syllable(to_unicode(word, encoding)):
            found.append(word)
    return tuple(found)


MIN_CELLS = 3  # texts of one column that `column_encoding` needs


def column_encoding(texts: list[str]) -> str:
    """ "TCVN3", "VNI" or "" for the short texts of one column pasted in an old font («§¹t»,
    «Ch­a ®¹t» under «Tự đánh giá»), too few words each for `detect_encoding`: at least
    MIN_CELLS texts, every one of whose words with a non-ASCII letter decodes from that
    encoding (and from no other) into a Vietnamese syllable it is not as it stands."""
    if len(texts) < MIN_CELLS:
        return ""
    fitting = [
        encoding for encoding in ENCODINGS if all(_wholly_legacy(text, encoding) for text in texts)
    ]
    return fitting[0] if len(fitting) == 1 else ""


# The verdicts a self-assessment cell holds alone: one such cell in an old font among Unicode
# ones («§¹t» in a column of «Đạt») is read on its own when it decodes to one exactly.
_VERDICTS = frozenset(
    ("đạt", "đã đạt", "chưa đạt", "không đạt", "có", "không", "hoàn thành", "chưa hoàn thành")
)


def verdict_encoding(text: str) -> str:
    """ "TCVN3", "VNI" or "" for one cell that decodes from exactly one of them into a
    verdict word («§¹t», «Ch­a ®¹t», «Ñaït», «Chöa ñaït»), and is not one as it stands."""
    words = " ".join(text.split()).casefold()
    if words in _VERDICTS:
        return ""
    fitting = [
        encoding
        for encoding in ENCODINGS
        if " ".join(to_unicode(text, encoding).split()).casefold() in _VERDICTS
    ]
    return fitting[0] if len(fitting) == 1 else ""


def _wholly_legacy(text: str, encoding: str) -> bool:
    words = [word for word in _WORDS[encoding].findall(text) if not word.isascii()]
    return bool(words) and len(_legacy_words(text, encoding)) == len(words)


def detect_encoding(texts: Iterable[str]) -> str:
    """ "TCVN3", "VNI" or "" for a sample of a workbook's cell texts.

    A word counts for an encoding when it mixes ASCII letters with legacy codes, is not a
    Vietnamese syllable as it stands, and becomes one once decoded ("hoµ" → "hoà",
    "Vieät" → "Việt"). An encoding is chosen when at least three distinct words count for it
    and they outnumber the distinct words of genuine Unicode Vietnamese, so a stray "µm" or
    "®" does not flag a workbook.
    """
    scores, unicode_words = _evidence(texts)
    best = max(ENCODINGS, key=lambda encoding: scores[encoding])
    if scores[best] >= _MIN_WORDS and scores[best] > unicode_words:
        return best
    return ""
