"""medspaCy's regular-expression rules, matched on a text joined once per document.

medspaCy 1.3's ``RegexMatcher`` asks the spaCy ``Doc`` for ``text_with_ws`` once per
pattern, and spaCy joins every token anew on each call: with the reader's two hundred or
so regular-expression rules (target and ConText), the pipeline took 2-26% less CPU with
the text joined once, in six alternated pairs (docs/text.md). The matchers here get a view
of the ``Doc`` whose text is joined once; every match and span is medspaCy's own, made on
the real ``Doc``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from spacy.tokens import Doc


class _TextJoinedOnce:
    """The ``Doc`` as ``RegexMatcher`` reads it, its ``text_with_ws`` joined once."""

    __slots__ = ("_doc", "text_with_ws")

    def __init__(self, doc: Doc) -> None:
        self._doc = doc
        self.text_with_ws = doc.text_with_ws

    def __getattr__(self, name: str) -> Any:
        return getattr(self._doc, name)

    def __len__(self) -> int:
        return len(self._doc)

    def __iter__(self) -> Iterator:
        return iter(self._doc)

    def __getitem__(self, key):
        return self._doc[key]


class TextOnceRegexMatcher(RegexMatcher):
    """medspaCy's ``RegexMatcher``, reading the document's text once per call."""

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        return super().__call__(_TextJoinedOnce(doc))


def match_text_once(component: Any) -> int:
    """Make the regular-expression matchers of a medspaCy ``component`` (the target
    matcher, ConText) read the document's text once per call; returns how many it changed.

    medspaCy keeps its matchers in private attributes, so they are found by type; a
    component with none raises, so that a medspaCy release that moves them is noticed.
    """
    regex_matchers = [value for matcher in vars(component).values() if isinstance(matcher, MedspacyMatcher)
                      for value in vars(matcher).values() if isinstance(value, RegexMatcher)]
    if not regex_matchers:
        raise TypeError(f"no medspaCy regular-expression matcher found in {type(component).__name__}")
    for regex_matcher in regex_matchers:
        regex_matcher.__class__ = TextOnceRegexMatcher
    return len(regex_matchers)
