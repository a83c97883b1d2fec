"""Misspelt words read as the rules' words they stand for ("lesoin", "calcifcation").

A report's typos hide its findings from the target matcher: "solid lesoin with
calcifcation" names no mass. Before the pipeline reads a text, a word is read as a word of
the rules when

- it is at least ``min_length`` letters long;
- neither the rules nor an English dictionary (pyspellchecker's) know it;
- exactly one word of the rules is one edit away (a letter left out, added, changed, or two
  swapped: Damerau-Levenshtein distance 1), and that edit lies *inside* the word: its first
  and last letters stay. Affixes change meaning ("avascular" is not "vascular",
  "dermoids" and "characterise" are other forms of the same word), typos rarely sit there.

Two pieces of a word split by voice recognition ("calcific ation", "a drinal") are joined
the same way when one of them is unknown and their join is, or is one such edit from, a word
of the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

WORD = re.compile(r"[A-Za-z]+")
PIECE_PAIR = re.compile(r"\b(?=([A-Za-z]+) ([A-Za-z]+)\b)")


def rule_words(rules: dict[str, Any]) -> frozenset[str]:
    """Every word of the rules' phrases (not of their regular expressions), lower-cased;
    ``spelling.known`` is such a list of phrases."""
    return frozenset(word.lower() for phrase in _phrases(rules) for word in WORD.findall(phrase))


def _phrases(node: Any, listed: bool = False) -> Iterator[str]:
    """The literal phrases of a rules tree: strings inside lists, never regex entries."""
    if isinstance(node, dict):
        if "regex" not in node:
            for value in node.values():
                yield from _phrases(value)
    elif isinstance(node, list):
        for item in node:
            yield from _phrases(item, listed=True)
    elif isinstance(node, str) and listed:
        yield node


@dataclass(frozen=True)
class Speller:
    """Corrects a text's misspellings of the rules' words (see the module's docstring)."""

    vocabulary: frozenset[str]
    min_length: int
    english: Any          # spellchecker.SpellChecker for English: which words are real
    neighbours: Any       # spellchecker.SpellChecker over the vocabulary, distance 1

    @classmethod
    def for_rules(cls, rules: dict[str, Any]) -> "Speller":
        from spellchecker import SpellChecker

        vocabulary = rule_words(rules)
        neighbours = SpellChecker(language=None, distance=1)
        neighbours.word_frequency.load_words(vocabulary)
        return cls(vocabulary, rules["spelling"].get("min_length", 5), SpellChecker(), neighbours)

    def correct(self, text: str) -> str:
        return WORD.sub(lambda match: self._word(match.group(0)), self._joined(text))

    def _known(self, word: str) -> bool:
        lower = word.lower()
        return lower in self.vocabulary or lower in self.english

    def _word(self, word: str) -> str:
        if len(word) < self.min_length or self._known(word):
            return word
        return _same_case(self._rule_word(word.lower()) or word, word)

    def _rule_word(self, lower: str) -> str | None:
        """The one word of the rules one edit inside ``lower`` away, if exactly one is."""
        found = {candidate for candidate in self.neighbours.candidates(lower) or ()
                 if candidate != lower and candidate[0] == lower[0] and candidate[-1] == lower[-1]}
        return found.pop() if len(found) == 1 else None

    def _joined(self, text: str) -> str:
        """``text`` with the pieces of split words joined (every pair of neighbours is tried:
        "a soli dmass" has the pairs "a soli" and "soli dmass")."""
        joined_from = len(text)
        for match in reversed(list(PIECE_PAIR.finditer(text))):
            first, second = match.groups()
            end = match.start() + len(first) + 1 + len(second)
            word = self._join(first, second) if end <= joined_from else None
            if word:
                text = text[:match.start()] + word + text[end:]
                joined_from = match.start()
        return text

    def _join(self, first: str, second: str) -> str | None:
        joined = (first + second).lower()
        if len(joined) < self.min_length or self._known(first) and self._known(second):
            return None
        word = joined if joined in self.vocabulary else self._rule_word(joined)
        return _same_case(word, first) if word else None


def _same_case(word: str, like: str) -> str:
    """``word`` in the case of ``like`` (all capitals, a capital first, or lower case)."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word.capitalize() if like[0].isupper() else word
