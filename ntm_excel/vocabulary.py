"""The words the reader understands, kept as an office-editable table (`workbooks/tu_vung.csv`).

A new spelling that communes use is a row of the table, not a release. Each row has a kind
(`loai`), a meaning within that kind (`nghia`), the word or phrase (`tu`) and a free note
(`ghi_chu`). Phrases are compared without case, diacritics or punctuation. In the kinds that
match whole cells (headings, assessments, task statuses, remark rows) "…" (or "...") stands for
any words: «Kết quả…» is a heading that begins with "Kết quả", «…đánh giá…» one that contains
"đánh giá", «TT» exactly "TT". When several rows match, the longest phrase wins (then the one
without "…", then the order of meanings listed in `KINDS`), so «…đánh giá…tiêu chí…» beats
«…đánh giá…» and «Kết quả…thẩm tra…» can overrule «Kết quả…».

The code keeps only the rules (how a heading, a figure, a deadline is read); `load_vocabulary`
checks the table at start and names the row and column of every mistake. A loaded vocabulary
is compiled once per process (a pickled copy compiles again where it is unpickled).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ntm_excel.errors import VocabularyError, check_office_file
from ntm_excel.text import fold, memoised_text, nfc

COLUMNS = ("loai", "nghia", "tu", "ghi_chu")
WILDCARD = "…"

# kind → (what it is, the meanings it accepts in precedence order; None: any text), and
# whether its phrases may use "…".
KINDS: dict[str, tuple[str, tuple[str, ...] | None, bool]] = {
    "tieu_de_bang": (
        "tiêu đề cột của bảng tự đánh giá",
        (
            "bo_qua",
            "ghi_chu",
            "so_tt",
            "danh_gia_tieu_chi",
            "tu_danh_gia",
            "ket_qua",
            "don_vi_tinh",
            "chi_tieu_hoac_noi_dung",
            "chi_tieu",
            "ten_tieu_chi",
            "noi_dung",
        ),
        True,
    ),
    "tieu_de_lo_trinh": (
        "tiêu đề cột của trang lộ trình",
        (
            "so_tt",
            "ghi_chu",
            "nguoi_phu_trach",
            "nguoi_chi_dao",
            "thoi_han",
            "kinh_phi",
            "nguon_von",
            "tinh_trang",
            "noi_dung",
            "tieu_chi",
        ),
        True,
    ),
    "danh_gia": ("chữ tự đánh giá trong ô", ("chua_dat", "dat", "khong", "co"), True),
    "tinh_trang": ("tình trạng nhiệm vụ", ("chua_xong", "xong"), True),
    "dong_bo_qua": ("dòng không phải chỉ tiêu", ("ghi_chu",), True),
    "thoi_han": (
        "chữ đi kèm ngày trong thời hạn; việc không có hạn",
        ("tu_dem", "khong_han"),
        False,
    ),
    "uoc_tinh": ("chữ báo số liệu ước tính", ("uoc_tinh",), False),
    "viet_tat": ("chữ viết tắt (nghia = viết đủ)", None, False),
    "chuc_danh": ("chức danh, vai trò trong ô người phụ trách", ("chuc_danh", "vai_tro"), False),
    "ho": ("họ người Việt (nhận ra tên người sau chức danh)", ("ho",), False),
}

# Kinds whose words keep their diacritics: "Đất" is not "Đạt", though "Dat" is.
ACCENTED = frozenset({"danh_gia"})
# Marks a commune may tick instead of writing a word; they are words of their own here.
MARKS = "✓✔☑√✗✘"
_TOKEN = re.compile(rf"[^\W_]+|[{MARKS}]")
_DOTS = re.compile(r"\.\.\.+|…")


@memoised_text
def vocab_key(text: str) -> str:
    """Folded words of a text (case, diacritics, punctuation ignored), marks kept as words."""
    return " ".join(tok if tok in MARKS else fold(tok) for tok in _TOKEN.findall(text))


@memoised_text
def accented_key(text: str) -> str:
    """Lower-case words of a text with their diacritics (for kinds where "đất" is not
    "đạt"; the look-alike «ð» of old-font converters is «đ»), marks kept as words."""
    return " ".join(_TOKEN.findall(nfc(text).lower().replace("ð", "đ")))


def _word_forms(word: str) -> str:
    """A regular expression for one word written with its diacritics, without them, or with
    "đ" but no other mark ("đạt", "dat", "đat")."""
    lower = nfc(word).lower()
    bare = "".join(
        ch for ch in unicodedata.normalize("NFD", lower) if not unicodedata.combining(ch)
    )
    forms = dict.fromkeys((lower, nfc(bare), fold(word)))
    return "(?:" + "|".join(re.escape(form) for form in forms if form) + ")"


@dataclass(frozen=True)
class Entry:
    """One row of the table as written (its number counts the heading as row 1)."""

    row: int
    kind: str
    meaning: str
    word: str
    note: str = ""


@dataclass(frozen=True)
class Match:
    """The row that decided: its meaning, its word as written and its row number."""

    meaning: str
    word: str
    row: int


class _Matcher:
    """Whole-cell patterns of one kind; the longest phrase that matches wins."""

    def __init__(self, entries: list[Entry], order: tuple[str, ...], accents: bool) -> None:
        self.accents = accents
        ranked = []
        for entry in entries:
            regex, literal, wildcards = _compile(entry.word, accents)
            rank = (-literal, wildcards, order.index(entry.meaning), entry.row)
            ranked.append((rank, regex, Match(entry.meaning, entry.word, entry.row)))
        ranked.sort(key=lambda item: item[0])
        # One alternation, tried in rank order by the regex engine: the first alternative
        # that matches the whole key wins, as if each were tried in turn. Each alternative is
        # one capturing group (the phrases' own groups are non-capturing), which closes
        # last, so `lastindex` names the winner.
        self._matches = [match for _, _, match in ranked]
        self._patterns = re.compile("|".join(f"({regex.pattern})" for _, regex, _ in ranked))
        self._cache: dict[str, Match | None] = {}

    def __call__(self, key: str) -> Match | None:
        """The winning row for a folded text (see `vocab_key`)."""
        found = self._cache.get(key, False)
        if found is False:
            hit = self._patterns.fullmatch(key) if self._matches else None
            found = self._matches[hit.lastindex - 1] if hit else None
            if len(self._cache) > 1 << 14:
                self._cache.clear()
            self._cache[key] = found
        return found


def _compile(word: str, accents: bool = False) -> tuple[re.Pattern, int, int]:
    """A phrase with "…" as a regular expression over folded words (over accented words, each
    also matching its forms without diacritics, when `accents`), with its literal length and
    its number of wildcards."""
    parts = _DOTS.split(word)
    keys = [vocab_key(part) for part in parts]
    pattern = ""
    for index, key in enumerate(keys):
        last = index == len(keys) - 1
        if key and accents:
            pattern += " ".join(_word_forms(w) for w in _TOKEN.findall(parts[index]))
        elif key:
            pattern += re.escape(key)
        if not last:  # a wildcard follows this part
            if index == 0 and not key:
                pattern += "(?:.* )?"
            elif keys[index + 1] or index + 1 < len(keys) - 1:
                pattern += " (?:.* )?"
            else:
                pattern += "(?: .*)?"
    literal = sum(len(key) for key in keys)
    return re.compile(pattern), literal, len(parts) - 1


class Vocabulary:
    """The compiled table: what a heading, an assessment, a status or a phrase means."""

    def __init__(self, entries: list[Entry], path: Path | None = None) -> None:
        self.path = path
        self.entries = tuple(entries)
        by_kind: dict[str, list[Entry]] = {kind: [] for kind in KINDS}
        for entry in entries:
            by_kind[entry.kind].append(entry)
        self._matchers = {
            kind: _Matcher(by_kind[kind], KINDS[kind][1], kind in ACCENTED)
            for kind in KINDS
            if KINDS[kind][2] and KINDS[kind][1]
        }
        self.deadline_words = frozenset(
            word
            for e in by_kind["thoi_han"]
            if e.meaning == "tu_dem"
            for word in vocab_key(e.word).split()
        )
        self.no_deadline = frozenset(
            vocab_key(e.word) for e in by_kind["thoi_han"] if e.meaning == "khong_han"
        )
        self.estimate_phrases = tuple(
            sorted(
                {tuple(vocab_key(e.word).split()) for e in by_kind["uoc_tinh"]},
                key=len,
                reverse=True,
            )
        )
        self.abbreviations = {vocab_key(e.word): vocab_key(e.meaning) for e in by_kind["viet_tat"]}
        self.titles = tuple(
            sorted(
                {tuple(vocab_key(e.word).split()) for e in by_kind["chuc_danh"]},
                key=len,
                reverse=True,
            )
        )
        self.family_names = frozenset(vocab_key(e.word) for e in by_kind["ho"])

    def __reduce__(self):  # compiled again where it is unpickled (once per worker)
        return (Vocabulary, (list(self.entries), self.path))

    def match(self, kind: str, text: str) -> Match | None:
        """The row of `kind` that a whole cell's text matches (the longest phrase wins)."""
        matcher = self._matchers[kind]
        return matcher(accented_key(text) if matcher.accents else vocab_key(text))

    def match_key(self, kind: str, key: str) -> Match | None:
        """`match` for a text already folded (headings are folded once by the reader)."""
        return self._matchers[kind](key)

    def expand(self, key: str) -> str:
        """A folded text with its abbreviations written out ("tl ho ngheo" → "ty le ho ngheo")."""
        if not self.abbreviations:
            return key
        return " ".join(self.abbreviations.get(word, word) for word in key.split())


def _rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VocabularyError(
            f"Bảng từ vựng {path}: không đọc được dạng UTF-8; trong Excel hãy lưu lại bằng "
            "«CSV UTF-8 (Comma delimited)»"
        ) from exc
    except OSError as exc:
        raise VocabularyError(f"Không đọc được bảng từ vựng {path}: {exc.strerror}") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _problems(cells: dict[str, str]) -> list[tuple[str, str]]:
    """(column, reason) of what is wrong with one row."""
    kind, meaning, word = cells["loai"], cells["nghia"], cells["tu"]
    if kind not in KINDS:
        return [("loai", f"loại «{kind}» không có; các loại: {', '.join(KINDS)}")]
    _, meanings, wildcards = KINDS[kind]
    problems = []
    if meanings is None and not meaning:
        problems.append(("nghia", "ô này không được để trống (ghi chữ viết đủ)"))
    elif meanings is not None and meaning not in meanings:
        problems.append(
            ("nghia", f"nghĩa «{meaning}» không dùng cho loại {kind}; dùng: {', '.join(meanings)}")
        )
    if not word:
        problems.append(("tu", "ô này không được để trống"))
    elif _DOTS.search(word) and not wildcards:
        problems.append(("tu", f"loại {kind} không dùng dấu «…»; ghi đúng từ"))
    elif not any(vocab_key(part) for part in _DOTS.split(word)):
        problems.append(("tu", f"«{word}» không có chữ hoặc số nào để so khớp"))
    return problems


def load_vocabulary(path: Path | str) -> Vocabulary:
    """Load and check a vocabulary table (.csv, UTF-8, the columns of `COLUMNS`).

    Every problem is reported in one VocabularyError, one line per row and column.
    """
    path = Path(path)
    check_office_file(path, VocabularyError, "Bảng từ vựng")
    rows = _rows(path)
    if not rows:
        raise VocabularyError(f"Bảng từ vựng {path}: tệp trống")
    header = {fold(title): index for index, title in enumerate(rows[0])}
    missing = [name for name in COLUMNS[:3] if fold(name) not in header]
    if missing:
        raise VocabularyError(
            f"Bảng từ vựng {path}, dòng 1: thiếu cột {', '.join(missing)} "
            f"(dòng đầu phải là tên cột: {', '.join(COLUMNS)})"
        )
    entries, errors = [], []
    seen: dict[tuple[str, str], int] = {}
    for number, values in enumerate(rows[1:], start=2):
        cells = {
            name: nfc(values[header[fold(name)]])
            if header.get(fold(name), 99) < len(values)
            else ""
            for name in COLUMNS
        }
        if not any(cells.values()):
            continue
        problems = _problems(cells)
        if not problems:
            first = seen.setdefault((cells["loai"], _pattern_key(cells["tu"])), number)
            if first != number:
                problems.append(("tu", f"«{cells['tu']}» trùng với dòng {first}"))
        errors += [(number, column, why) for column, why in problems]
        if not problems:
            entries.append(
                Entry(number, cells["loai"], cells["nghia"], cells["tu"], cells["ghi_chu"])
            )
    if errors:
        raise VocabularyError(
            "\n".join(f"Bảng từ vựng {path}, dòng {n}, cột {col}: {why}" for n, col, why in errors)
        )
    return Vocabulary(entries, path)


def _pattern_key(word: str) -> str:
    """What makes two phrases the same pattern: their folded parts and wildcards."""
    return WILDCARD.join(vocab_key(part) for part in _DOTS.split(word))


@functools.cache
def bundled_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the program (for callers given none)."""
    from ntm_excel.config import BUNDLED_VOCABULARY

    return load_vocabulary(BUNDLED_VOCABULARY)
