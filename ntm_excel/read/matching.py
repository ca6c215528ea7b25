"""The criteria catalogue as the reader needs it: codes, criteria, their order, and rows
matched to indicators by what they say.

A row's wording is compared with the catalogue's after folding (case, diacritics and
punctuation ignored) and writing out the vocabulary's abbreviations ("TL" → "tỷ lệ",
"BHYT" → "bảo hiểm y tế"); the score (0–100) is rapidfuzz's token-set ratio, so a reworded,
shortened or reordered wording still scores high. A match is taken only when it is clearly
ahead of the next candidate: the reader never guesses between two close ones.

A criterion whose only indicator is «N.x» (not itemised in the catalogue, see
`ntm_excel.reference.catalog.unitemised`) has no wording to match: «N.x»'s text describes
the whole criterion, so no row is ever matched to it by what it says. Its rows are its parts,
coded as written (17.1, 17.2 …) or by their place under the criterion.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ntm_excel.read.sheets import folded
from ntm_excel.reference.catalog import Indicator, unitemised
from ntm_excel.vocabulary import Vocabulary

MATCH = 80  # a score from which a wording is taken for an indicator's
MARGIN = 8  # how far ahead of the next candidate the best one must be
CONTRADICTS = 55  # a written code whose wording scores below this is in doubt
CONTRADICTS_WORDS = 4  # shorter wordings never overrule a written code
CONFIDENT = 90  # a wording that overrules a written code, or another criterion's, scores this
OUTSCORES = 25  # how far an inferred code's wording must trail another's to give way
MIN_WORDS = 2  # shorter wordings are not matched by text


@dataclass(frozen=True)
class TextMatch:
    """The indicator a wording matched (`code`, its `score`), or the close `candidates` when
    no single one stands out (then `code` is "")."""

    code: str
    score: int
    candidates: tuple[tuple[str, int], ...] = ()


class CatalogueIndex:
    """Codes, criteria and wording of the set in use, keyed for tolerant lookup."""

    def __init__(self, indicators: Sequence[Indicator], vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._key_of: dict[str, str] = {}  # memos: wordings repeat from file to file
        self._matches: dict[tuple[str, int | None], TextMatch | None] = {}
        self._similar: dict[tuple[str, str], int] = {}
        self._contradictions: dict[tuple[str, str], TextMatch | None] = {}
        self._ordered: dict[int, tuple[str, ...]] = {}
        self.codes = {ind.code for ind in indicators}
        period = re.search(r"(20\d\d)_(20\d\d)", indicators[0].set_id) if indicators else None
        self.period = (int(period[1]), int(period[2])) if period else None  # of the set in use
        self.by_folded_code = {folded(ind.code): ind.code for ind in indicators}
        self.by_criterion: dict[int, list[str]] = {}
        for ind in indicators:
            self.by_criterion.setdefault(ind.criterion_no, []).append(ind.code)
        self.names = {ind.criterion_no: ind.criterion_name for ind in indicators}
        self.by_name = {folded(name): no for no, name in self.names.items()}
        self.texts = {ind.code: ind.text for ind in indicators}
        self.units = {ind.code: ind.unit for ind in indicators}
        self.comparisons = {ind.code: ind.comparison for ind in indicators}
        # criterion → «N.x», for the criteria the catalogue does not itemise
        self.placeholders = {no: ind.code for no, ind in unitemised(indicators).items()}
        self._keys = {
            ind.code: self.key(ind.text)
            for ind in indicators
            if ind.text and ind.criterion_no not in self.placeholders
        }
        self._exact = {key: code for code, key in self._keys.items()}

    def key(self, text: str) -> str:
        """The comparable form of a wording: folded, abbreviations written out."""
        key = self._key_of.get(text)
        if key is None:
            key = self.vocabulary.expand(folded(text))
            if len(self._key_of) > 1 << 14:
                self._key_of.clear()
            self._key_of[text] = key
        return key

    def single(self, criterion: int) -> str | None:
        """The code of a criterion that is its own indicator ("5", "10")."""
        code = str(criterion)
        return code if code in self.codes else None

    def ordered(self, criterion: int) -> tuple[str, ...]:
        """The criterion's indicator codes in order, without a criterion-level code when the
        criterion has sub-indicators too (district set: "2", "2.TT35.a", …)."""
        found = self._ordered.get(criterion)
        if found is None:
            codes = self.by_criterion.get(criterion, [])
            subs = [code for code in codes if code != str(criterion)]
            found = self._ordered[criterion] = tuple(subs or codes)
        return found

    def by_position(self, criterion: int, index: int) -> str:
        """The code of the criterion's `index`-th indicator (from 0); past the catalogue's
        list, and under a criterion not itemised, "criterion.index+1" (a part: "17.3")."""
        codes = () if criterion in self.placeholders else self.ordered(criterion)
        return codes[index] if index < len(codes) else f"{criterion}.{index + 1}"

    def placeholder_of(self, code: str) -> str | None:
        """«N.x» when `code` is a part of a criterion not itemised (17.3 → 17.x), else None."""
        if code in self.codes:
            return None
        head = code.split(".")[0]
        return self.placeholders.get(int(head)) if head.isdigit() else None

    def criterion_named(self, text: str) -> int | None:
        """The criterion a text names in full ("Giao thông", "Tiêu chí Giao thông")."""
        key = folded(text)
        if key.startswith("tieu chi "):
            key = key.removeprefix("tieu chi ").removeprefix("ve ")
        return self.by_name.get(key)

    def match_text(self, text: str, criterion: int | None = None) -> TextMatch | None:
        """The indicator whose wording this text is (within `criterion` when given): exact,
        else the best clearly ahead of the rest; None when nothing comes close."""
        key = self.key(text)
        if len(key.split()) < MIN_WORDS:
            return None
        cache_key = (key, criterion)
        if cache_key in self._matches:
            return self._matches[cache_key]
        found = self._match(key, criterion)
        if len(self._matches) > 1 << 13:
            self._matches.clear()
        self._matches[cache_key] = found
        return found

    def _match(self, key: str, criterion: int | None) -> TextMatch | None:
        exact = self._exact.get(key)
        if exact and (criterion is None or self._criterion_of(exact) == criterion):
            return TextMatch(exact, 100)
        choices = {
            code: wording
            for code, wording in self._keys.items()
            if criterion is None or self._criterion_of(code) == criterion
        }
        ranked = process.extract(
            key, choices, scorer=fuzz.token_set_ratio, score_cutoff=MATCH - MARGIN, limit=3
        )
        if not ranked:
            return None
        (_, best, code), *others = ranked
        close = [(c, round(s)) for _, s, c in others if s > best - MARGIN]
        if best < MATCH:
            return None
        if close:
            return TextMatch("", round(best), ((code, round(best)), *close))
        return TextMatch(code, round(best))

    def settle(self, match: TextMatch, place: str | None, read: Container[str]) -> TextMatch:
        """Of a wording's close candidates (short wordings: «Quy hoạch chung xây dựng xã» is
        1.1's and 1.2's), the one not `read` yet that the row's place in its criterion names
        (`place`), else the only one not read yet; `match` itself when neither settles it."""
        left = [(code, score) for code, score in match.candidates if code not in read]
        placed = [(code, score) for code, score in left if code == place]
        chosen = placed or (left if len(left) == 1 else [])
        return TextMatch(*chosen[0], match.candidates) if chosen else match

    def contradiction(self, text: str, code: str) -> TextMatch | None:
        """The indicator a wording clearly is when it is not `code`'s: it scores below
        `CONTRADICTS` against `code` and at least `CONFIDENT`, unrivalled, against another.
        A part of a criterion not itemised has no wording to contradict: it stands as written."""
        found = self._contradictions.get((text, code), False)
        if found is False:
            found = self._contradiction(text, code)
            if len(self._contradictions) > 1 << 14:
                self._contradictions.clear()
            self._contradictions[(text, code)] = found
        return found

    def _contradiction(self, text: str, code: str) -> TextMatch | None:
        if len(text.split()) < CONTRADICTS_WORDS or self.placeholder_of(code):
            return None
        if self.similarity(text, code) >= CONTRADICTS:
            return None
        match = self.match_text(text)
        if match is None or not match.code or match.code == code or match.score < CONFIDENT:
            return None
        return match

    def outscored(self, text: str, code: str) -> TextMatch | None:
        """The indicator a wording is when `code` was only inferred (a criterion's row taken
        for its first indicator): another indicator matches it at least `CONFIDENT`,
        unrivalled, and `OUTSCORES` points above `code`'s wording. Shared words («có … trên
        địa bàn huyện») keep `code` above `CONTRADICTS` though the wording is another's."""
        found = self.contradiction(text, code)
        if found is not None or len(text.split()) < CONTRADICTS_WORDS:
            return found
        match = self.match_text(text)
        if match is None or not match.code or match.code == code or match.score < CONFIDENT:
            return None
        return match if match.score - self.similarity(text, code) >= OUTSCORES else None

    def similarity(self, text: str, code: str) -> int:
        """How close a wording is to the catalogue's wording of `code` (0–100)."""
        found = self._similar.get((text, code))
        if found is None:
            wording = self._keys.get(code)
            found = round(fuzz.token_set_ratio(self.key(text), wording)) if wording else 0
            if len(self._similar) > 1 << 14:
                self._similar.clear()
            self._similar[(text, code)] = found
        return found

    def _criterion_of(self, code: str) -> int | None:
        head = code.split(".")[0]
        return int(head) if head.isdigit() else None
