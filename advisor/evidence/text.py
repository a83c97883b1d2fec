"""Read a free text the way reports are written: medspaCy target matching plus ConText.

Used for order text (reason for request, admitting diagnosis), descriptions,
image comments and free-text findings SRs. The words come from
``advisor/text_rules.toml`` (validated against ``text_rules.schema.json``):
targets (mass and its synonyms, calcification and its descriptions, sides,
organs, context flags) are found by medspaCy's TargetMatcher, and ConText
(Harkema et al., J Biomed Inform 2009) marks each one negated, hedged,
historical, about family, hypothetical or an indication. Only a plain mention
is a finding; a negated one states absence; every other one is noted in the
reasons with the words that made it uncertain.

A side and an organ belong to the mass they describe: they are read from the
mass's own phrase ("left suprarenal mass", "mass arising from the right
kidney"), else from the sentences that still describe it (an anaphor "It
arises from ...", a heading, "Renal origin.", the side the text gives its
organ elsewhere), and never from organs said to be normal, displaced or
beside it.

The pipeline (``medspacy.load()``: blank English, PyRuSH sentences, target
matcher, ConText; no model download) is built once per process.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from advisor.evidence.spelling import Speller
from advisor.model import Observation

MASS, CALCIFICATION, POSSIBLE_CALCIFICATION = "MASS", "CALCIFICATION", "POSSIBLE_CALCIFICATION"
ABSENT_SUFFIX = "_ABSENT"
NOT_TARGET, ELSEWHERE = "NOT_TARGET", "ELSEWHERE"
SIDE, ORGAN, FLAG = "SIDE:", "ORGAN:", "FLAG:"
# Grammar, not clinical knowledge (that is in text_rules.toml): the function words
# the scope and binding rules below are written with.
SENTENCE_ENDS = {".", "!", "?"}
FRAGMENT_WORDS = 4      # a next sentence this short still describes the mass
LABEL_WORDS = 3         # words of a heading that opens a sentence, before its colon
HEDGED_NAME_REACH = 4   # words from an organ adjective to the diagnosis it names
PUSHED_REACH = 6        # words from a verb of pushing to the "to the" before the side
ADJECTIVE_REACH = 3     # words from a calcification adjective to the mass it describes
ORIGIN_REACH = 2        # sentences after the mass's that may still describe it
OTHER_ORGAN = "other"   # a bucket of organs: one of them displaced says nothing of another
# ConText categories that make a mention about something other than this patient now.
INDICATION = "INDICATION"
NOT_THIS_PATIENT_NOW = {"FAMILY", "HYPOTHETICAL", INDICATION}
HISTORICAL, CURRENT = "HISTORICAL", "CURRENT"
DOUBT = "POSSIBLE_EXISTENCE"
HEDGES = {DOUBT, HISTORICAL}
NEGATION = "NEGATED_EXISTENCE"
# A modifier marked clause_only does not reach across these tokens (a full stop inside a
# sentence is one the sentence splitter missed: "no flow. ?calcs.").
CLAUSE_BREAKS = {",", ";", ".", "but", "however"}
GUESS_SEPARATORS = {"-", "–", ",", "("}   # set a guess off from what it is said of
DASHES = {"-", "–", "—"}   # "calcifications - haemorrhage unlikely": a new subject follows
ITEM_LABEL_WORDS = 3   # "Right kidney -": the words of a list item's label
BULLETS = {"*", "•", "·"}   # before a list item's label
LABEL_JOINS = {"/", "&"}    # between its words ("L kidney/adrenal:")
LANDMARK_REACH = 5   # "to the right of the | bladder": the words before a place that make it a landmark
OWN_FINDING_REACH = 4     # "the right kidney shows mild hydronephrosis"
REFERRING_WORDS = {"this", "that", "the", "these", "those", "said"}   # "this mass": one named before
# Worksheet marks: each ends its item ("R - mass ✗ L - mass ✓" gives each mass its own side);
# PyRuSH may split one off as a sentence of its own ("Calc ✗" at the end).
UNTICKED_BOX = "\u2610"
TICK_MARKS = frozenset("\u2713\u2714\u2717\u2718\u00d7\u2715\u2716\u274c")
# A post-position modifier crosses a comma only over these ("mass, now no longer seen").
BRIDGES = {"now", "since", "subsequently", "today", "and", "has", "have", "is", "are", "too",
           "also", "in", "particular", "particularly", "especially"}   # "calcification, in particular, is ..."
# What may stand between a calcification and the explanation that puts it elsewhere.
EXPLANATION_MARKS = frozenset({",", "(", ")"})
# A post-position modifier after "X with Y is ..." or "X with Y has regressed" covers the
# subject X.
SUBJECT_VERBS = {"is", "are", "was", "were", "has", "have", "had"}
# What may stand between a finding and a calcification said of it as a verb ("haemorrhage
# which has since calcified").
RELATIVE_WORDS = {"which", "that", "has", "have", "had", "since", "later", "subsequently", "then"}
# Words that join organs into a list ("the liver and right kidney", "uterus + both ovaries").
ORGAN_LIST_WORDS = {"and", "or", "&", "+"}
# "no residual haemorrhage, mass or calcification": a list a negation reaches along even when
# its first item is no target, if closed by one of these before a finding or at the end of
# its sentence ("no organomegaly, focal lesion, calcification or free fluid")
CLOSING_LIST_WORDS = {"and", "or", "nor"}
SIZE_UNIT = re.compile(r"(?i)^(?:\d+(?:\.\d+)?)?(?:cm|mm)$")   # "cm", "2.2cm": a size's last token
ALTERNATIVES = {"or", "nor"}
LIST_ITEM_WORDS = 2
# Where the words around an organ or side stop counting.
NEAR_WORDS_END = CLAUSE_BREAKS | {"with", "by", "."}
# What may stand between a calcification and the vessel it is in ("in the aorta").
ATTACHING_WORDS = {"in", "of", "within", "inside", "along", "the", "a", "an", "its"}
# Words that give a place: a hedge stops there; a clause-final hedge may precede one.
# What joins an origin word to the place it names ("arising from", "originating in").
ORIGIN_LINKS = {"from", "in", "within", "at"}
PLACE_WORDS = {"in", "within", "inside", "at", "along"}
# What may stand between a finding and a negation or hedge that ends its clause with the
# words still read as said of it ("Calcification in the mass: no", "Calcified [ ] yes [x] no").
NEUTRAL_WORDS = ATTACHING_WORDS | PLACE_WORDS | SUBJECT_VERBS | {"yes", "seen", "present", "identified", "noted"}
PLACE_REACH = 5         # "in the left lobe of the liver": the place word, then up to four
SECONDARY_REACH = 8     # "lesions seg VI / VII ?mets": the mass, its place, then the word
ROMAN_NUMERAL = re.compile(r"[ivx]+")   # a liver segment's number ("seg VI")
# An organ that is the subject of these holds the calcification after them.
HOLDING_VERBS = {"contains", "contain", "has", "have", "shows", "show", "demonstrates",
                 "demonstrate", "harbours", "harbors"}
# Words of a list of findings ("no mass, calcification or fluid"), with the descriptors
# that may head its items ("no calcified lesion or solid mass").
LIST_WORDS = {",", "or", "and", "nor", "/", "a", "an", "any", "solid", "cystic", "focal",
              "discrete", "definite", "other", "further", "new", "complex"}
KINDS = {MASS: "mass", CALCIFICATION: "calcification",
         POSSIBLE_CALCIFICATION: "possible calcification"}
FINDING_LABELS = set(KINDS) | {label + ABSENT_SUFFIX for label in KINDS}
SIZE = re.compile(r"(\d+(?:\.\d+)?)((?:\s*(?:x|×|\*|by)\s*\d+(?:\.\d+)?)*)\s*(mm|cm)\b", re.I)


class TextRulesError(ValueError):
    """The text rules file is missing, unreadable or does not match its schema."""


# --- rules ------------------------------------------------------------------

RULES_FILE = "text_rules.toml"


def default_rules_path() -> Path:
    """The rules shipped inside the package (``advisor/text_rules.toml``)."""
    return Path(str(resources.files("advisor").joinpath(RULES_FILE)))


def load_text_rules(path: Path | None = None) -> dict[str, Any]:
    """Read and validate a rules file, raising :class:`TextRulesError` naming the field."""
    path = path or default_rules_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TextRulesError(f"{path}: cannot read text rules: {exc}") from exc
    schema = json.loads(resources.files("advisor").joinpath("text_rules.schema.json").read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(
            f"field {'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors)
        raise TextRulesError(f"{path}: invalid text rules: {details}")
    return _with_names(data, path)


REGEX_NAME = re.compile(r"\{([a-z_]+)\}")   # letters only: never a quantifier ("{0,3}")


def _with_names(rules: dict[str, Any], path: Path) -> dict[str, Any]:
    """``rules`` with every ``{name}`` of ``regex_names`` written out in its strings;
    raises :class:`TextRulesError` for a name the table does not define."""
    names = rules.get("regex_names", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: expand(value) for key, value in node.items()}
        if isinstance(node, list):
            return [expand(item) for item in node]
        return REGEX_NAME.sub(written_out, node) if isinstance(node, str) else node

    def written_out(match: re.Match) -> str:
        if match.group(1) not in names:
            raise TextRulesError(f"{path}: {{{match.group(1)}}} is not in regex_names")
        return names[match.group(1)]

    return expand(rules)


def rules_fingerprint(rules: dict[str, Any]) -> str:
    """A digest of what the rules say (not of their comments or layout): a site that edits
    its rules reads reports differently, so its results must get new UIDs."""
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16]


def _target_groups(rules: dict[str, Any]) -> Iterator[tuple[str, list]]:
    """(label, phrases) for every target group of the rules file."""
    targets = rules["targets"]
    yield MASS, targets["mass"]
    yield CALCIFICATION, targets["calcification"]
    yield POSSIBLE_CALCIFICATION, targets["possible_calcification"]
    yield CALCIFICATION + ABSENT_SUFFIX, targets["calcification_absent"]
    yield MASS + ABSENT_SUFFIX, targets["mass_absent"]
    yield NOT_TARGET, targets["not_targets"]
    for prefix, section in ((SIDE, "sides"), (ORGAN, "organs"), (FLAG, "context")):
        for name, phrases in rules[section].items():
            yield prefix + name, phrases


def _pattern(phrase: str | dict, tokenizer) -> tuple[str, Any]:
    """(literal, pattern) for medspaCy: a phrase matches its tokens, lower-cased.

    The phrase is tokenized like the reports ("cannot" is "can" "not",
    "non-calcified" is "non" "-" "calcified"), so rules are written as read.
    """
    if isinstance(phrase, dict):
        return phrase["regex"], phrase["regex"]
    return phrase, [{"LOWER": token.lower_} for token in tokenizer(phrase)]


def _between(target, modifier):
    """The tokens between a target and its modifier (either order)."""
    doc = target.doc
    if modifier.start >= target.end:
        return doc[target.end:modifier.start]
    return doc[modifier.end:target.start]


def _segments(tokens) -> list[list]:
    """``tokens`` split at clause breaks, at the gaps between a line's columns
    ("Organ: kidney   Ca: N") and before a line that opens an item of a list ("... no HN\n
    ADRENALS - LT SR solid SOL")."""
    return _split(tokens, lambda token: token.lower_ in CLAUSE_BREAKS
                  or token.is_space and not _line_break(token) or _opens_an_item(token))


def _split(tokens, at) -> list[list]:
    """``tokens`` split at (and without) each token ``at`` holds for."""
    parts: list[list] = [[]]
    for token in tokens:
        if at(token):
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _opens_an_item(token) -> bool:
    """``token`` is a line break, and the line after it opens with a label of a word or three
    and a dash or colon ("ADRENALS - ...", "Left kidney: ...", "*L kidney/adrenal: nl")."""
    return _line_break(token) and _opens_with_label(token.doc[token.i + 1:], DASHES | {":"})


def _opens_with_label(line, marks: set[str]) -> bool:
    """``line`` opens with a label of one to ``ITEM_LABEL_WORDS`` words (joined by "/" or "&",
    after a bullet) and one of ``marks``."""
    words = 0
    for word in line[:2 * ITEM_LABEL_WORDS + 1]:
        if word.text in marks:
            return words > 0
        if word.text in LABEL_JOINS or (word.text in BULLETS and words == 0):
            continue
        words += 1
        if not word.is_alpha or words > ITEM_LABEL_WORDS:
            return False
    return False


def _in_entity(token) -> bool:
    return token.ent_type_ != ""


def _is_finding(token) -> bool:
    return token.ent_type_.removesuffix(ABSENT_SUFFIX) in KINDS


def _along_a_list(tokens, closed_list: bool) -> bool:
    """After the first finding named in ``tokens``, only items of a list follow (findings and
    list words, or in a closed list a word or two that is no target).

    "no mass or calcification" and "no solid component, septation or calcification" reach the
    calcification; "nil calcification within the lesion" does not reach the lesion.
    """
    first = next((i for i, token in enumerate(tokens) if _is_finding(token)), None)
    if first is None:
        return True
    items = _split(tokens[first:], lambda token: token.text == ",")
    return all(_a_list_segment(item, closed_list) for item in items)


def _a_place(tokens) -> bool:
    """"in the adrenal regions", "within the mass": where the finding before it is."""
    return not tokens or (tokens[0].lower_ in PLACE_WORDS and not any(t.is_punct for t in tokens))


def _without_closing_marks(tokens) -> list:
    """``tokens`` as a list, without the marks that end it."""
    tokens = list(tokens)
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    return tokens


def _listed_with(tokens) -> bool:
    """Between a finding and a modifier after it, another finding only as its place or in
    a list with it ("calcification within the mass cannot be excluded", "mass or
    calcification in the adrenals: none", not "mass: calcification nil")."""
    tokens = _without_closing_marks(tokens)
    findings = [i for i, token in enumerate(tokens) if _is_finding(token)]
    if not findings or _a_place(tokens):
        return True
    head, tail = tokens[:findings[-1] + 1], tokens[findings[-1] + 1:]
    return _a_place(tail) and all(map(_of_a_list, head))


def _stops_at_finding(target, modifier, _span_between) -> bool:
    """The modifier stops at another finding not in a list with the target; after a
    subject and its verb ("mass with calcification is likely", "... has regressed") it
    covers the subject."""
    between = _between(target, modifier)
    if modifier.start < target.start:
        return _along_a_list(list(between), _in_a_closed_list(target))
    subject = modifier[0].lower_ in SUBJECT_VERBS and not any(t.is_punct for t in between)
    return subject or _listed_with(between) and not _flag_spoken_of(between)


def _flag_spoken_of(tokens) -> bool:
    """A context flag after a dash, right before a modifier that follows the finding, is
    what the modifier speaks of: "calcifications - haemorrhage unlikely" leaves the
    calcification ("calcification or adrenal haemorrhage: not seen" and "lesion (thought to
    be haemorrhage) has resolved" do not)."""
    tokens = _without_closing_marks(tokens)
    if not tokens or not tokens[-1].ent_type_.startswith(FLAG):
        return False
    start = len(tokens) - 1
    while start > 0 and tokens[start].ent_iob_ != "B":
        start -= 1
    while start < len(tokens) - 1 and tokens[start].is_punct:
        start += 1
    return start > 0 and tokens[start - 1].text in DASHES and not any(map(_is_finding, tokens[:start]))


def _within_clause(target, modifier, _span_between) -> bool:
    """A modifier reaches across a comma or "but" forward only along a list of targets,
    backward only when nothing is named between.

    "no mass, calcification or fluid" negates all three; "no internal flow,
    favour haemorrhage" does not negate the haemorrhage, nor does "mass,
    calcification absent" negate the mass; "mass, now no longer seen" is absent.
    """
    between = _between(target, modifier)
    segments = _segments(between)
    forward = modifier.start < target.start
    if forward and _details_after_a_finding(between, modifier):
        return False
    if len(segments) == 1:
        return True
    if not _is_finding(target[0]):
        return False
    if not forward:
        return all(token.lower_ in BRIDGES for segment in segments for token in segment)
    closed_list = _in_a_closed_list(target)
    first_names_a_target = not segments[0] or any(map(_in_entity, segments[0])) or \
        _a_list_item(segments[0]) and closed_list
    return forward and first_names_a_target and all(
        _a_list_segment(segment, closed_list) for segment in segments[1:])


def _details_after_a_finding(between, modifier) -> bool:
    """A colon after a finding opens its details: a modifier before the finding does not
    reach past it ("suggestive of neuroblastoma: right suprarenal mass, with calcification",
    "follow-up of suspected adrenal haemorrhage: the lesion now shows ..."), nor does one
    said of a finding right before the colon ("neoplasm of the right kidney suspected: large
    growth, 7 cm"; not "right adrenal region, query: calcified mass")."""
    colons = [token.i for token in between if token.text == ":"]
    if between and between[0].text == ":" and _said_of_a_finding(modifier):
        return True
    return bool(colons) and any(map(_names_a_finding, (t for t in between if t.i < colons[-1])))


def _said_of_a_finding(modifier) -> bool:
    """A finding, its organ or a flag stands before ``modifier`` in its sentence with no
    mark between ("hepatoblastoma suspected", not "right adrenal region, query")."""
    for token in reversed(modifier.doc[modifier.sent.start:modifier.start]):
        if token.is_punct:
            return False
        if _names_a_finding(token):
            return True
    return False


def _names_a_finding(token) -> bool:
    return _is_finding(token) or token.ent_type_.startswith((ORGAN, FLAG))


def _a_list_segment(segment, closed_list: bool) -> bool:
    """One more item of a list a negation runs along: findings and list words, or, in a
    list an "or" / "and" closes, a word or two that is not a target ("no hydronephrosis,
    scarring or mass")."""
    rest = [token for token in segment if not _of_a_list(token)]
    return not rest or closed_list and _a_list_item(rest)


def _a_list_item(tokens) -> bool:
    """A word or two that is not a target: "haemorrhage" in "no residual haemorrhage, mass
    or calcification"."""
    return 0 < len(tokens) <= LIST_ITEM_WORDS and all(token.is_alpha for token in tokens)


def _in_a_closed_list(target) -> bool:
    """``target`` is one of the items an "or" / "and" / "nor" closes: it follows the word,
    or the word and another finding follow it, or it follows a comma in a list that runs to
    the end of its sentence."""
    doc = target.doc
    start = target.start
    while start and doc[start - 1].lower_ in LIST_WORDS - CLOSING_LIST_WORDS - {",", "/"}:
        start -= 1      # "cyst or solid mass"
    described = start - _describing_words(doc[max(start - LIST_ITEM_WORDS, 0):start])
    if described and doc[described - 1].lower_ in ALTERNATIVES:
        start = described   # "fat, haemorrhage or small calcifications"
    before = doc[start - 1].lower_ if start else ""
    after = doc[target.end:target.end + 2]
    return (before in CLOSING_LIST_WORDS
            or len(after) == 2 and after[0].lower_ in CLOSING_LIST_WORDS and _is_finding(after[1])
            or before == "," and _a_list_to_the_end(target))


def _a_list_to_the_end(target) -> bool:
    """After ``target`` its sentence goes on only with items of a list an "or" / "and" /
    "nor" closes, each named words or a word or two that is not a target ("no organomegaly,
    focal lesion, calcification or free fluid."; not "... calcification or fluid in the
    pelvis")."""
    tokens = _without_closing_marks(target.doc[target.end:target.sent.end])
    if not tokens or tokens[0].lower_ not in CLOSING_LIST_WORDS | {","} or not any(
            token.lower_ in CLOSING_LIST_WORDS for token in tokens):
        return False
    items = _split(tokens, lambda token: token.text == "," or token.lower_ in CLOSING_LIST_WORDS)
    return all(_an_item_to_the_end(item) for item in items if item)


def _an_item_to_the_end(tokens) -> bool:
    """An item of such a list: named words (targets, organs, sides, flags) with list words
    only, or a word or two that is not a target."""
    if any(map(_in_entity, tokens)):
        return all(map(_of_a_list, tokens))
    return _a_list_item(tokens)


def _of_a_list(token) -> bool:
    """``token`` is named (a target, organ, side or flag) or a list word."""
    return _in_entity(token) or token.lower_ in LIST_WORDS


def _describing_words(tokens) -> int:
    """How many of the last ``tokens`` only describe the word after them: words that are
    neither targets nor stop words ("small", "fine", not "the" nor "mass")."""
    count = 0
    for token in reversed(list(tokens)):
        if not token.is_alpha or token.is_stop or _in_entity(token) or token.lower_ in LIST_WORDS:
            break
        count += 1
    return count


def _same_sentence(target, modifier) -> bool:
    return target.sent.start == modifier.sent.start


def _all_of(*checks):
    """One on_modifies callback from ``checks``. medspaCy keeps every scope inside the
    sentence of the modifier's first token, so none needs a sentence check of its own."""
    def on_modifies(target, modifier, span_between) -> bool:
        return all(check(target, modifier, span_between) for check in checks)
    return on_modifies


def _stops_at_words(words: frozenset[str]):
    """The modifier stops at one of ``words`` ("possible calcification in the mass";
    backward, "calcification: n/a / fluid: no"), but not at a place word right after it."""
    def check(target, modifier, _span_between) -> bool:
        return not any(token.lower_ in words and not _doubts_the_place(token, modifier)
                       for token in _between(target, modifier))
    return check


def _doubts_the_place(token, modifier) -> bool:
    """``token`` is a place word right after the modifier, with no finding just before the
    modifier: the doubt is on the place ("foci, possibly within a mass"; not "calcification
    probable within the mass")."""
    before = modifier.doc[modifier.start - 1] if modifier.start else None
    return (token.i == modifier.end and token.lower_ in PLACE_WORDS
            and not (before is not None and _is_finding(before)))


def _attached(_target, modifier, _span_between) -> bool:
    """The modifier is written onto the word before it ("calcified?", not "mass ?adrenal"
    nor "component (?tooth)"), or ends its line after it ("Calcs ?" last in the text)."""
    if modifier.start == 0:
        return False
    before = modifier.doc[modifier.start - 1]
    return not before.is_punct and (before.whitespace_ == "" or _ends_line(modifier[-1]))


def _ends_line(token) -> bool:
    """``token`` is the last of the text or of its line."""
    doc = token.doc
    after = doc[token.i + 1] if token.i + 1 < len(doc) else None
    return after is None or "\n" in token.whitespace_ or _line_break(after)


def _line_break(token) -> bool:
    """``token`` is whitespace that holds a line break."""
    return token.is_space and "\n" in token.text


def _clause_final(_target, modifier, _span_between) -> bool:
    """The modifier ends its clause: punctuation, the end, a place or a "but" follows
    ("calcification possible but not certain")."""
    doc = modifier.doc
    return modifier.end >= len(doc) or doc[modifier.end].is_punct or \
        doc[modifier.end].lower_ in PLACE_WORDS | {"but"}


def _group_checks(group: dict[str, Any]) -> list:
    """The on_modifies checks a modifier group asks for."""
    checks = [check for key, check in (("clause_only", _within_clause),
                                       ("stops_at_finding", _stops_at_finding),
                                       ("attached", _attached),
                                       ("clause_final", _clause_final)) if group.get(key)]
    if group.get("stops_at"):
        checks.append(_stops_at_words(frozenset(w.lower() for w in group["stops_at"])))
    return checks


def _elsewhere_check(breaks: frozenset[str], beside: tuple[str, ...] = ()):
    """A calcification is elsewhere unless the mass or one of ``breaks`` ("displacing",
    "and") lies between, or, for a place, one of ``beside`` lies between or makes the place a
    landmark ("calcifications behind the bladder", "mass posterior to the bladder with coarse
    calcification"; not "in an adjacent lymph node"). An explanation may follow a comma or brackets
    ("in the liver (granuloma)"); a place must be in the calcification's own clause."""
    def check(target, modifier, _span_between) -> bool:
        between = _between(target, modifier)
        words = f" {' '.join(token.lower_ for token in between)} "
        landmark = f" {modifier.doc[max(modifier.start - LANDMARK_REACH, 0):modifier.start].text.lower()} "
        return not any(token.ent_type_ == MASS or (token.lower_ in breaks and not _joins_numbers(token))
                       for token in _outside_brackets(between)) \
            and not any(f" {phrase} " in words or f" {phrase} " in landmark for phrase in beside) \
            and not _side_item(between)
    return check


def _joins_numbers(token) -> bool:
    """A word or comma between two numbers is part of a size ("calculi, 3 and 4 mm, with
    shadowing"; "5 mm and 7 mm"), no break between a finding and what explains it."""
    doc = token.doc
    if not 0 < token.i < len(doc) - 1 or not doc[token.i + 1].like_num:
        return False
    before = doc[token.i - 1]
    return before.like_num or (bool(SIZE_UNIT.match(before.text)) and token.i > 1
                               and doc[token.i - 2].like_num)


def _outside_brackets(tokens) -> Iterator:
    """``tokens`` but those inside round brackets: "calculi (4 mm and 5 mm) with shadowing" is
    one item, whatever joins the words in its brackets."""
    depth = 0
    for token in tokens:
        depth += (token.text == "(") - (token.text == ")")
        if depth <= 0 and token.text != ")":
            yield token


def _side_item(tokens) -> bool:
    """A comma opens an item of its own side ("left solid with calcs, right a simple cyst",
    "the right with calcification, the left without"): what follows is not said of what
    came before it."""
    tokens = list(tokens)
    for i, token in enumerate(tokens[:-1]):
        if token.text != ",":
            continue
        first, *rest = tokens[i + 1:i + 3]
        side = rest[0] if first.lower_ == "the" and rest else first
        if side.ent_type_.startswith(SIDE):
            return True
    return False


def _named_with(target, modifier, _span_between) -> bool:
    """The modifier follows the calcification with only place words between."""
    return modifier.start >= target.end and all(
        token.lower_ in ATTACHING_WORDS for token in _between(target, modifier))


def _group_check(group: dict[str, Any]):
    return _all_of(*_group_checks(group))


def _one_way(forward: dict[str, Any], backward: dict[str, Any]):
    """A check that applies ``forward``'s scope and checks to a target after the
    modifier, ``backward``'s to one before it."""
    checks = {True: _group_check(forward), False: _group_check(backward)}

    def check(target, modifier, span_between) -> bool:
        after = target.start >= modifier.end
        group = forward if after else backward
        distance = target.start - modifier.end if after else modifier.start - target.end
        return (distance < group.get("max_scope", len(target.doc))
                and checks[after](target, modifier, span_between))
    return check


def _modifier_entries(rules: dict[str, Any], tokenizer) -> dict[tuple, dict]:
    """(category, phrase) -> its literal, pattern and the group for each direction.

    medspaCy keeps one modifier per span of text, so a phrase listed both forward
    and backward ("?", "probably", "nil") becomes one rule serving both."""
    entries: dict[tuple, dict] = {}
    for group in rules["modifiers"]:
        directions = {"bidirectional": ("forward", "backward")}.get(group["direction"],
                                                                    (group["direction"],))
        for phrase in group["phrases"]:
            literal, pattern = _pattern(phrase, tokenizer)
            entry = entries.setdefault((group["category"], json.dumps(pattern)),
                                       {"literal": literal, "pattern": pattern, "groups": {}})
            for direction in directions:
                entry["groups"].setdefault(direction, group)
    return entries


def _context_rules(rules: dict[str, Any], tokenizer) -> Iterator[Any]:
    from medspacy.context import ConTextRule

    organs = {ORGAN + name for name in rules["organs"]}
    for (category, _), entry in _modifier_entries(rules, tokenizer).items():
        groups = entry["groups"]
        forward, backward = groups.get("forward"), groups.get("backward")
        if forward is not None and backward is not None and forward is not backward:
            scopes = [g.get("max_scope") for g in (forward, backward)]
            group = {"direction": "bidirectional",
                     "max_scope": None if None in scopes else max(scopes)}
            check = _one_way(forward, backward)
        else:
            group = next(iter(groups.values()))
            check = _group_check(group)
        nearest = group.get("max_targets")
        allowed = organs if group.get("organs_only") else FINDING_LABELS if nearest else None
        yield ConTextRule(entry["literal"], category, pattern=entry["pattern"],
                          direction=group["direction"].upper(), max_scope=group.get("max_scope"),
                          max_targets=nearest, allowed_types=allowed,
                          terminated_by={CURRENT} if category == HISTORICAL else None,
                          on_modifies=check)
    elsewhere = _elsewhere_check(frozenset(rules["binding"]["breaks"]) - EXPLANATION_MARKS)
    same_clause = _elsewhere_check(frozenset(rules["binding"]["breaks"]) | EXPLANATION_MARKS | {"/"},
                                   tuple(rules["binding"].get("beside_calcification", ())))
    for key, scope, check in (("calcification_elsewhere", 9, same_clause),
                              ("calcification_explained_as", 20, elsewhere),
                              ("calcification_attached", 4, _named_with)):
        for phrase in rules["targets"][key]:
            literal, pattern = _pattern(phrase, tokenizer)
            yield ConTextRule(literal, ELSEWHERE, pattern=pattern, direction="BIDIRECTIONAL",
                              max_scope=scope, allowed_types={CALCIFICATION},
                              on_modifies=check)


@dataclass(frozen=True)
class Reader:
    """The medspaCy pipeline with the rules loaded into it."""

    nlp: Any
    breaks: frozenset[str]
    not_origin: frozenset[str]
    not_origin_before: frozenset[str]
    not_origin_after: frozenset[str]
    beside: frozenset[str]
    pushed_aside: frozenset[str]
    indistinct: frozenset[str]
    accompanying: frozenset[str]
    origin_words: frozenset[str]
    other_findings: frozenset[str]
    corrections: tuple[str, ...]
    anaphora: tuple[str, ...]
    before_tokens: int
    after_tokens: int
    mass_flags: dict[str, tuple[str, frozenset[str]]]  # "haematoma" -> (its flag, its organs)
    flag_organs: dict[str, str]   # a flag whose mass has one organ -> that organ
    guessed_origins: frozenset[str]  # organs an origin only guessed at still gives
    remains: frozenset[str]       # mass words for what is left of a past finding
    organ_order: tuple[str, ...]
    fingerprint: str              # of the rules' content: enters the result UIDs
    dictation: tuple[tuple[re.Pattern, str], ...] = ()   # spoken punctuation -> written
    past_flags_apart: frozenset[str] = frozenset()   # flags a past mention apart from the mass does not raise
    flags_set_aside: dict[str, tuple[re.Pattern, ...]] = field(default_factory=dict)  # flag -> the text's patterns
    flags_raised: dict[str, tuple[re.Pattern, ...]] = field(default_factory=dict)  # flag -> the text's patterns
    secondary: frozenset[str] = frozenset()   # words that call a mass a metastasis
    lesion_flags: dict[str, re.Pattern] = field(default_factory=dict)  # flag's label -> words naming a lesion
    speller: Speller | None = None           # misspelt words -> the rules' words
    other_side: frozenset[str] = frozenset()  # "contralateral kidney": the side away from the mass
    plural_masses: frozenset[str] = frozenset()  # "masses": the phrase may give each its side ...
    plural_joins: frozenset[str] = frozenset()   # ... across "and" ("right and left lower pole masses")
    spread_sites: frozenset[str] = frozenset()   # organs where lesions after a mass are its spread
    paired_headings: frozenset[str] = frozenset()  # "Ovaries:" opens a list of the pair's sides
    pushed_towards: frozenset[str] = frozenset()  # "displacing the rectum to the left": a direction

    def as_written(self, text: str) -> str:
        """``text`` with the punctuation spoken into voice recognition written out and its
        misspellings of the rules' words corrected."""
        for spoken, written in self.dictation:
            text = spoken.sub(written, text)
        return self.speller.correct(text) if self.speller else text


MARKS_COMPONENT = "advisor_marks_join_their_item"


def _marks_join_their_item(doc):
    """A tick or cross belongs to its item's line: one PyRuSH made a sentence of its own
    joins the sentence before it, and the next line starts a sentence of its own."""
    for sentence in list(doc.sents):
        marks = [token.text in TICK_MARKS for token in sentence
                 if not (token.is_punct or token.is_space)]
        if sentence.start and (marks and all(marks) or _only_a_query(sentence)):
            sentence[0].is_sent_start = False
    for token in doc[:-1]:
        if token.text in TICK_MARKS and _ends_line(token):
            next_word = next((t for t in doc[token.i + 1:] if not t.is_space), None)
            if next_word is not None:
                next_word.is_sent_start = True
    return doc


SHOUTED_COMPONENT = "advisor_shouted_sentences"
SHOUTED_SHARE = 0.8     # of a text's letters in capitals: the whole report is typed in them


def _shouted_sentences(doc):
    """In a report typed in capitals, a full stop before a word in capitals ends a sentence
    ("THE SPLEEN MEASURES 5.9 CM. THE LEFT KIDNEY ..."): PyRuSH takes such words for the
    letters of an abbreviation and runs the sentences on."""
    letters = [c for c in doc.text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < SHOUTED_SHARE * len(letters):
        return doc
    for token in doc[:-1]:
        following = doc[token.i + 1]
        if token.text == "." and token.whitespace_ and following.is_alpha and following.is_upper \
                and (len(following) > 1 or following.text == "A"):
            following.is_sent_start = True
    return doc


GRADED_COMPONENT = "advisor_graded_sentences"


def _graded_sentences(doc):
    """A full stop after a grade ends a sentence ("L SR mass, shadowing calcs +. L kid invasion -
    not seen", "Calc ++. Mets - none"): PyRuSH runs such sentences on into the next, whose
    negation then reaches the graded finding."""
    for token in doc[1:-1]:
        if token.text == "." and doc[token.i - 1].text == "+" and doc[token.i + 1].is_alpha:
            doc[token.i + 1].is_sent_start = True
    return doc


LINES_COMPONENT = "advisor_labelled_lines"


def _labelled_lines(doc):
    """After a labelled line ("Hx: 2yo, wt loss, ?NBL"), a line that opens with a label ("L
    adrenal: not seen") or a capital ("Para-aortic mass, L side ...") starts a sentence: PyRuSH
    runs some lines on into the next ("R adrenal: ... shadowing foci ?NBL\nL adrenal: not seen").
    Not after a heading of its own line ("ADRENALS\n Right: ...", "Findings:\n Solid mass ...")."""
    line_start = 0
    for token in doc[:-1]:
        if _line_break(token) or "\n" in token.whitespace_:
            line = [t for t in doc[token.i + 1:token.i + 2 * ITEM_LABEL_WORDS + 2] if not t.is_space]
            if line and _told_after_label(doc[line_start:token.i + 1]) \
                    and (_opens_with_label(line, {":"}) or line[0].is_title or line[0].is_upper):
                line[0].is_sent_start = True
            line_start = token.i + 1
    return doc


def _told_after_label(line) -> bool:
    """``line`` holds a colon with words after it."""
    colons = [t.i for t in line if t.text == ":"]
    return bool(colons) and any(not t.is_space for t in line.doc[colons[0] + 1:line.end])


def _only_a_query(sentence) -> bool:
    """A sentence that is only "?" (PyRuSH splits "Calcs ?" at the end of a text)."""
    words = [token.text for token in sentence if not token.is_space]
    return bool(words) and all(set(word) == {"?"} for word in words)


def build_reader(rules: dict[str, Any]) -> Reader:
    """A medspaCy pipeline (``medspacy.load()``, no model download) with ``rules``."""
    from loguru import logger

    logger.disable("PyRuSH")   # PyRuSH logs every token at DEBUG level through loguru
    import medspacy
    from medspacy.target_matcher import TargetRule

    from spacy.language import Language

    from advisor.evidence.matching import match_text_once

    for name, func in ((MARKS_COMPONENT, _marks_join_their_item), (SHOUTED_COMPONENT, _shouted_sentences),
                       (GRADED_COMPONENT, _graded_sentences), (LINES_COMPONENT, _labelled_lines)):
        if not Language.has_factory(name):
            Language.component(name, func=func)
    nlp = medspacy.load(load_rules=False)
    nlp.add_pipe(MARKS_COMPONENT, after="medspacy_pyrush")
    nlp.add_pipe(SHOUTED_COMPONENT, after=MARKS_COMPONENT)
    nlp.add_pipe(GRADED_COMPONENT, after=SHOUTED_COMPONENT)
    nlp.add_pipe(LINES_COMPONENT, after=GRADED_COMPONENT)
    nlp.get_pipe("medspacy_target_matcher").add(
        [TargetRule(literal, label, pattern=pattern)
         for label, phrases in _target_groups(rules)
         for literal, pattern in (_pattern(phrase, nlp.tokenizer) for phrase in phrases)])
    nlp.get_pipe("medspacy_context").add(list(_context_rules(rules, nlp.tokenizer)))
    for component in ("medspacy_target_matcher", "medspacy_context"):
        match_text_once(nlp.get_pipe(component))
    binding = rules["binding"]
    mass_flags = {word.lower(): (flag, frozenset(entry["organs"]))
                  for flag, entry in rules["mass_context"].items() for word in entry["words"]}
    return Reader(nlp, frozenset(binding["breaks"]) | {"/"} | TICK_MARKS, frozenset(binding["not_origin"]),
                  frozenset(binding["not_origin_before"]), frozenset(binding["not_origin_after"]),
                  frozenset(binding["beside"]), frozenset(binding["pushed_aside"]),
                  frozenset(binding["indistinct"]), frozenset(binding["accompanying"]),
                  frozenset(binding["origin"]), frozenset(binding.get("other_findings", ())),
                  tuple(binding.get("corrections", ())),
                  tuple(binding["anaphora"]), binding["before_tokens"], binding["after_tokens"],
                  mass_flags, {flag: entry["organs"][0] for flag, entry in rules["mass_context"].items()
                               if len(entry["organs"]) == 1},
                  frozenset(binding.get("guessed_origins", ())),
                  frozenset(word.lower() for word in binding.get("remains", ())),
                  tuple(rules["organs"]), rules_fingerprint(rules),
                  tuple((re.compile(entry["spoken"]), entry["written"]) for entry in rules.get("dictation", ())),
                  frozenset(binding.get("past_flags_apart", ())),
                  _patterns_per_flag(binding.get("flags_set_aside", {})),
                  _patterns_per_flag(binding.get("flags_raised", {})),
                  frozenset(binding.get("secondary", ())),
                  {FLAG + flag: re.compile(pattern) for flag, pattern in binding.get("lesion_flags", {}).items()},
                  Speller.for_rules(rules) if "spelling" in rules else None,
                  frozenset(binding.get("other_side", ())),
                  frozenset(binding.get("plural_masses", ())), frozenset(binding.get("plural_joins", ())),
                  frozenset(binding.get("spread_sites", ())),
                  frozenset(word.lower() for word in binding.get("paired_headings", ())),
                  frozenset(binding.get("pushed_towards", ())))


def _patterns_per_flag(table: dict[str, list[str]]) -> dict[str, tuple[re.Pattern, ...]]:
    return {flag: tuple(map(re.compile, patterns)) for flag, patterns in table.items()}


_process_reader: Reader | None = None


def default_reader() -> Reader:
    """This process's reader: the site's rules if :func:`use_site_rules` found some, else
    the shipped ones, in a pipeline built once per process."""
    global _process_reader
    if _process_reader is None:
        _process_reader = build_reader(load_text_rules())
    return _process_reader


def site_rules_path(protocols_dir: Path | None) -> Path | None:
    """A site's ``text_rules.toml`` beside its protocol folder, if it has one."""
    candidate = protocols_dir.parent / RULES_FILE if protocols_dir else None
    return candidate if candidate and candidate.is_file() else None


def use_site_rules(protocols_dir: Path | None) -> Reader:
    """Build this process's reader from the rules beside ``protocols_dir`` (else the shipped
    ones); raises :class:`TextRulesError` naming the field of an invalid file."""
    global _process_reader
    path = site_rules_path(protocols_dir)
    if _process_reader is None or path is not None:
        _process_reader = build_reader(load_text_rules(path))
    return _process_reader


# --- one text ---------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    """One mention of the mass or of calcification, with what ConText says of it."""

    kind: str               # "mass" | "calcification" | "possible calcification"
    status: str             # "present" | "absent" | "uncertain" | "elsewhere"
    words: str              # the mention as written
    cue: str = ""           # the modifier words that made it absent, uncertain or elsewhere
    side: str | None = None
    organ: str | None = None
    size_mm: float | None = None
    secondary: bool = False  # said to be a metastasis ("liver lesions ?mets"): spread there


@dataclass(frozen=True)
class Reading:
    """What one text says about the mass, after ConText."""

    mentions: tuple[Mention, ...]
    context: frozenset[str]
    organ_order: tuple[str, ...] = ()    # most specific first, as in the rules' [organs]

    def status(self, kind: str) -> str | None:
        """``present`` if any plain mention, else ``absent`` if any negated one, else None."""
        statuses = {m.status for m in self.mentions if m.kind == kind}
        return next((s for s in ("present", "absent") if s in statuses), None)

    @property
    def masses(self) -> list[Mention]:
        return [m for m in self.mentions if m.kind == "mass" and m.status == "present"]

    @property
    def laterality(self) -> str | None:
        """Side of the stated mass(es): left + right make bilateral; midline has none; a
        metastasis's only when no other mass has one ("L adrenal mass ... liver lesions seg
        VI/VII ?mets" is left)."""
        sided = [m for m in self.masses if m.side not in (None, "midline")]
        sides = {m.side for m in ([m for m in sided if not m.secondary] or sided)}
        if "bilateral" in sides or {"left", "right"} <= sides:
            return "bilateral"
        return sides.pop() if sides else None

    @property
    def organ(self) -> str | None:
        """The most specific organ the stated masses are given ("retroperitoneal mass ...
        Impression: right adrenal neuroblastoma" is adrenal), a metastasis's only when no
        other mass has one."""
        placed = [m for m in self.masses if m.organ]
        organs = [m.organ for m in ([m for m in placed if not m.secondary] or placed)]
        rank = {name: i for i, name in enumerate(self.organ_order)}
        return min(organs, key=lambda o: rank.get(o, len(rank))) if organs else None

    @property
    def size_mm(self) -> float | None:
        sizes = [m.size_mm for m in self.masses if m.size_mm]
        return max(sizes) if sizes else None

    def uncertain_notes(self) -> list[str]:
        """One note per mention that is not a finding, with the words that made it so."""
        notes = []
        for m in self.mentions:
            if m.kind == "possible calcification" and m.status == "present":
                notes.append(f"'{m.words}' without shadowing: possible calcification, not a finding")
            elif m.status == "uncertain":
                notes.append(f"{m.kind} '{m.words}' not stated as a finding ('{m.cue}')")
        return notes


def _categories(span) -> dict[str, str]:
    """ConText category -> the modifier's words, for every modifier of ``span``."""
    return {mod.category: span.doc[slice(*mod.modifier_span)].text for mod in span._.modifiers}


def _categories_now(span) -> dict[str, str]:
    """``_categories`` of ``span``, without HISTORICAL where a CURRENT modifier says it is
    there now ("the known mass is unchanged", "residuum of the known haemorrhage")."""
    categories = _categories(span)
    if CURRENT in categories:
        categories.pop(HISTORICAL, None)
    return categories


def _status(span) -> tuple[str, str]:
    """(status, cue) of a target from its ConText modifiers."""
    categories = _categories_now(span)
    for names, status in ((NOT_THIS_PATIENT_NOW, "uncertain"), ({NEGATION}, "absent"),
                          (HEDGES, "uncertain")):
        hits = [categories[c] for c in sorted(names & categories.keys())]
        if hits:
            return status, "; ".join(hits)
    if span.label_.endswith(ABSENT_SUFFIX):
        return "absent", span.text
    return "present", ""


def _walk(doc, sentence, start: int, step: int, limit: int, breaks: frozenset[str]) -> range:
    """Token indices of the mass's own phrase from ``start`` in direction ``step``."""
    index, taken = start, 0
    while sentence.start <= index < sentence.end and taken < limit:
        if doc[index].lower_ in breaks and not (step < 0 and _between_sized_adjectives(doc, index)) \
                or _opens_an_item(doc[index]):
            break
        index += step
        taken += 1
    return range(min(start, index - step), max(start, index - step) + 1) if taken else range(0)


def _between_sized_adjectives(doc, index: int) -> bool:
    """The comma at ``index`` only separates two words describing the mass after a size ("a
    2.2 x 1.5 cm heterogeneous, avascular lesion"): the phrase goes on past it."""
    if doc[index].text != "," or index < 2:
        return False
    before, size = doc[index - 1], doc[index - 2]
    return before.is_alpha and not _in_entity(before) and bool(SIZE_UNIT.search(size.text))


def _name(ent, prefix: str) -> str:
    return ent.label_[len(prefix):]


def _hedged(ent) -> bool:
    """"?adrenal", "not renal", "ovarian germ cell tumour likely": the words do not state
    this organ; "Side: [ ] R [x] L": an option left unticked states nothing."""
    return ent.label_.startswith(ORGAN) and (
        bool({"POSSIBLE_EXISTENCE", NEGATION} & _categories(ent).keys()) or _names_a_hedged_mass(ent)) \
        or _unticked(ent)


def _pushed_towards(doc, side, reader: Reader) -> bool:
    """The side is where the mass pushes an organ: "to (the)" or "towards (the)" before it, not
    "of" after it ("to the left of" is a place), and one of ``pushed_towards`` a few words
    before that in its clause ("displacing the rectum to the left")."""
    at = side.start - 1
    at -= at >= side.sent.start and doc[at].lower_ == "the"
    if at < side.sent.start or doc[at].lower_ not in ("to", "towards") \
            or (side.end < len(doc) and doc[side.end].lower_ == "of"):
        return False
    for token in reversed(doc[max(side.sent.start, at - PUSHED_REACH):at]):
        if token.is_punct:
            return False
        if token.lower_ in reader.pushed_towards:
            return True
    return False


def _names_a_hedged_mass(organ) -> bool:
    """The organ is an adjective of a hedged diagnosis a few words on ("ovarian germ cell
    tumour likely")."""
    doc, sentence = organ.doc, organ.sent
    for token in doc[organ.end:min(organ.end + HEDGED_NAME_REACH, sentence.end)]:
        if token.is_punct or token.ent_type_.startswith(ORGAN):
            return False
        if token.ent_type_ == MASS:
            mass = next(e for e in doc.ents if e.start <= token.i < e.end)
            return "POSSIBLE_EXISTENCE" in _categories(mass)
    return False


def _near_words(tokens, count: int) -> list:
    """Up to ``count`` words of ``tokens`` (in reading order away from an entity) within
    its clause, stopping at a finding, "with", another organ or the line of another item of
    a list ("LT KID - NAD" on the line before "RT ADRENAL - SOL"), reading through sides and
    a list of organs ("separate from the liver and right kidney"); "and" before anything
    but an organ ends them ("the right adrenal and abuts the liver"), as does the agent of
    a passive ("displaced by a left-sided mass")."""
    words, in_list = [], False
    for token in tokens:
        lower, organ = token.lower_, token.ent_type_.startswith(ORGAN)
        stated_absent = token.ent_type_.endswith(ABSENT_SUFFIX)     # "L adrenal nad"
        if lower in NEAR_WORDS_END or (_is_finding(token) and not stated_absent) \
                or (organ and not in_list) or _opens_an_item(token):
            break
        if lower in ORGAN_LIST_WORDS:
            in_list = True
        elif organ:
            in_list = False
        elif not (lower == "the" or token.ent_type_.startswith(SIDE)):
            if in_list:
                break
            words.append(lower)
            if len(words) == count:
                break
    return words


def _neighbourhood(doc, ent, reader: Reader, words: frozenset[str] | None = None,
                   reach: int = 2) -> set[str]:
    """The not-origin words (or ``words``) just before and after ``ent`` in its clause
    ("displacing the", "is normal"); a verb or position word only before it ("the suprarenal region
    displacing the kidney" is the origin), "separate" only after it ("a separate right renal
    mass" is renal)."""
    sentence = ent.sent
    end = _place_end(doc, ent)
    before = _near_words(reversed(doc[sentence.start:ent.start]), reach)
    before_terms = set(before) | {f"{word} {nearer}" for nearer, word in zip(before, before[1:])}
    after = _near_words(doc[end:sentence.end], reach)
    if words is not None:
        return (before_terms | set(after)) & words
    own_finding = reader.other_findings if ent.label_.startswith(SIDE) else frozenset()   # "left HUN"
    return ((before_terms & (reader.not_origin | reader.not_origin_before))
            | (set(after) & (reader.not_origin | reader.not_origin_after | own_finding)))


def _origin_entities(doc, ents, prefix: str, reader: Reader, guessed: bool = False) -> list:
    """``prefix`` entities that name where a mass is, not a neighbour nor a normal organ;
    with ``guessed``, also an organ only hedged ("probably arising from the left ovary").

    A side may stand beside a position word ("posterior to the right kidney" is
    on the right); an organ may not (the kidney is not the origin).
    """
    allowed = reader.beside if prefix == SIDE else frozenset()
    return [e for e in ents if e.label_.startswith(prefix)
            and not (_ruled_out(e) if guessed else _hedged(e))
            and not (prefix == SIDE and _pushed_towards(doc, e, reader))
            and (_names_the_mass(doc, e) or (_neighbourhood(doc, e, reader) <= allowed
                                             and not _of_another_finding(doc, e, reader)))]


def _of_another_finding(doc, ent, reader: Reader) -> bool:
    """The place is given another finding: after it in its clause ("the right kidney shows mild
    hydronephrosis from pressure of the pelvic mass"), as its object ("hydronephrosis of the
    left kidney due to a pelvic mass") or in its brackets ("bilateral hydroureteronephrosis
    (APD right 14 mm, left 12 mm) due to a bladder mass")."""
    end = _place_end(doc, ent)
    after = _near_words(doc[end:ent.sent.end], OWN_FINDING_REACH)
    before = _near_words(reversed(doc[ent.sent.start:ent.start]), 2)
    return bool(set(after) & reader.other_findings) \
        or (len(before) == 2 and before[0] in ("of", "in") and before[1] in reader.other_findings) \
        or _bracketed_after_another_finding(doc, ent, reader)


def _place_end(doc, ent) -> int:
    """Where ``ent`` ends, with the organ a side names ("left | kidney")."""
    if ent.label_.startswith(SIDE):
        return next((e.end for e in doc.ents if e.start == ent.end and e.label_.startswith(ORGAN)), ent.end)
    return ent.end


def _names_the_mass(doc, ent) -> bool:
    """The side or organ is said of the mass word right after it, so what comes before is
    said of the mass, not of the place ("separate from the left adrenal mass")."""
    end = _place_end(doc, ent)
    return end < len(doc) and doc[end].ent_type_ == MASS


def _bracketed_after_another_finding(doc, ent, reader: Reader) -> bool:
    """``ent`` is in brackets right after another finding."""
    depth = 0
    for index in range(ent.start - 1, ent.sent.start - 1, -1):
        depth += (doc[index].text == ")") - (doc[index].text == "(")
        if depth < 0:
            return any(t.lower_ in reader.other_findings for t in doc[max(ent.sent.start, index - 2):index])
    return False


def _ruled_out(ent) -> bool:
    """Said not to be the place ("not renal") or an option left unticked: not even a guess."""
    return NEGATION in _categories(ent) or _unticked(ent)


def _opens_with(sentence, words: tuple[str, ...]) -> bool:
    opening = " ".join(token.lower_ for token in sentence[:2])
    return any(opening == w or opening.startswith(w + " ") for w in words)


def _fragment(sentence, reader: Reader) -> bool:
    """A few words without a finding or organ of their own ("On the left."), nor another
    finding that has its own side ("Mild bilateral hydronephrosis.")."""
    words = [token for token in sentence if not token.is_punct]
    return len(words) <= FRAGMENT_WORDS and not any(
        _is_finding(token) or token.ent_type_.startswith(ORGAN)
        or token.lower_ in reader.other_findings for token in words)


def _heading(sentence) -> bool:
    """A line without a full stop ("Adrenals:", "Rt suprarenal region -") heads the next, as
    do one whose stop belongs to an abbreviated side or organ ("Lt retroperit. hetero
    lesion") and a few words without a finding ("Right adrenal. Mass 3 cm")."""
    last = sentence[-1]
    words = [token for token in sentence if not token.is_punct]
    return (last.text not in SENTENCE_ENDS or last.ent_type_.startswith((SIDE, ORGAN))
            or (len(words) <= FRAGMENT_WORDS and not any(map(_is_finding, words))))


def _context_sentences(doc, span, reader: Reader) -> list:
    """The mass's sentence; the previous one when this opens with an anaphor ("The mass
    has decreased") or that is a heading; of the next two, those that open with one in a row ("It is
    calcified. It arises ..."), the next when it is a fragment ("On the left."), and
    one that names an origin ("Renal origin.")."""
    sentences = list(doc.sents)
    index = next(i for i, sentence in enumerate(sentences) if sentence.start <= span.start < sentence.end)
    result = [sentences[index]]
    chained = True
    for offset, following in enumerate(sentences[index + 1:index + 1 + ORIGIN_REACH]):
        chained = chained and _opens_with(following, reader.anaphora)
        if chained or (offset == 0 and _fragment(following, reader)) \
                or any(token.lower_ in reader.origin_words for token in following):
            result.append(following)
    if index > 0 and (_opens_with(sentences[index], reader.anaphora)
                      or _heading(sentences[index - 1]) and not _labelled(sentences[index])):
        result.append(sentences[index - 1])
    return result


def _labelled(sentence) -> bool:
    """The sentence opens with a heading of its own ("Impression: ...", "LEFT ADRENAL: ..."):
    the sentence before it heads nothing here ("Kidneys show mild hydronephrosis.
    Impression: large midline pelvic calcified mass")."""
    return any(token.text == ":" for token in sentence[:LABEL_WORDS + 1])


def _entities_near(doc, span, prefix: str, reader: Reader, guessed: bool = False) -> list:
    """``prefix`` entities in the mass's sentences that name where it is, nearest first."""
    sentences = _context_sentences(doc, span, reader)
    inside = [e for e in doc.ents if any(s.start <= e.start < s.end for s in sentences)]
    return sorted(_origin_entities(doc, inside, prefix, reader, guessed),
                  key=lambda e: (e.sent.start != span.sent.start, abs(e.start - span.start)))


def _disowned(doc, span, side: str | None, phrase: range, reader: Reader) -> set[str]:
    """Organs said in the mass's sentences, outside its own phrase, to be displaced,
    separate or normal, without another side ("the kidney is displaced and appears
    separate"); not one said to be indistinct from it ("left ovary not separately seen"), nor
    one on the other side ("contralateral kidney normal")."""
    sentences = _context_sentences(doc, span, reader)
    side_at = {e.end: _name(e, SIDE) for e in doc.ents if e.label_.startswith(SIDE)}
    return {_name(e, ORGAN) for e in doc.ents
            if e.label_.startswith(ORGAN) and _name(e, ORGAN) != OTHER_ORGAN
            and e.start not in phrase and any(s.start <= e.start < s.end for s in sentences)
            and _neighbourhood(doc, e, reader) and side_at.get(e.start, side) == side
            and not _neighbourhood(doc, e, reader, reader.other_side, reach=1)
            and not _neighbourhood(doc, e, reader, reader.indistinct, reach=4)}


def _organ_nearby(doc, span, reader: Reader) -> str | None:
    """The organ nearest the mass in its sentences that is not displaced, spared or normal,
    else the organ of the finding the mass details, else the one organ guessed there if the
    rules take that guess (``guessed_origins``), else the one organ of a flag said there
    ("Left adrenal haemorrhage, evolving: now a 2 cm cystic lesion" is adrenal)."""
    organs = _entities_near(doc, span, ORGAN, reader) or _heading_organs(doc, span, reader)
    if organs:
        return _name(organs[0], ORGAN)
    guesses = {_name(e, ORGAN) for e in _entities_near(doc, span, ORGAN, reader, guessed=True)}
    if len(guesses) == 1 and guesses <= reader.guessed_origins:    # not "?ovarian ?uterine"
        return guesses.pop()
    sentences = _context_sentences(doc, span, reader)
    flagged = {reader.flag_organs.get(_name(e, FLAG)) for e in doc.ents
               if e.label_.startswith(FLAG) and any(s.start <= e.start < s.end for s in sentences)
               and not _categories(e).keys() & {NEGATION, "FAMILY"}}
    flagged.discard(None)
    return next(iter(flagged)) if len(flagged) == 1 else None


def _paired_heading(span, reader: Reader) -> str | None:
    """The organ of a heading that names both of a pair and opens the mass's sentence
    ("Ovaries: right normal; left with 5.5 cm solid-cystic mass"): the list is of its sides,
    so the heading is the organ of a mass given one, even where the other is said to be normal."""
    sentence = span.sent
    words = [token for token in sentence if not token.is_space]
    heading = [e for e in sentence.ents if e.label_.startswith(ORGAN) and words and e.start == words[0].i
               and e.text.lower() in reader.paired_headings]
    if heading and heading[0].end < sentence.end and span.doc[heading[0].end].text == ":":
        return _name(heading[0], ORGAN)
    return None


def _heading_organs(doc, span, reader: Reader) -> list:
    """The organs of a finding a colon opens before the mass, in its sentence, when only
    that finding's diagnosis is hedged ("Probable left ovarian teratoma: 6 cm mass with
    fat"): the mass is its details, so the guess at their origin is the mass's. Nearest
    first; not an organ said not to be the place ("not renal"), nor a normal or displaced one."""
    before = doc[span.sent.start:span.start]
    colon = max((token.i for token in before if token.text == ":"), default=None)
    if colon is None:
        return []
    headed = [e for e in doc.ents if e.label_ == MASS and span.sent.start <= e.start and e.end <= colon]
    return sorted((e for e in doc.ents if e.label_.startswith(ORGAN) and span.sent.start <= e.start
                   and any(e.end <= mass.start for mass in headed)
                   and not _ruled_out(e) and not _neighbourhood(doc, e, reader)),
                  key=lambda e: -e.start)


def _side_of(ent, organ: str | None, organ_at: dict[int, str]) -> str | None:
    """The side if it is bare ("mass, left side") or names the mass's organ."""
    attached = organ_at.get(ent.end)
    return _name(ent, SIDE) if attached is None or attached == organ else None


def _side_nearby(doc, span, organ: str | None, reader: Reader) -> str | None:
    """A side in the mass's sentences that is bare, names its organ (a hedged organ
    counts as none: "probably arising from the left kidney" is left) or a neighbour
    ("between the liver and the right kidney"); else the one side the text gives the
    mass's organ anywhere ("left adrenal haemorrhage. The lesion ..."); else the one side
    of the organs it says are pushed aside ("the left kidney is displaced")."""
    organs = [e for e in doc.ents if e.label_.startswith(ORGAN)]
    stated = {e.start: _name(e, ORGAN) for e in organs if not _hedged(e)}
    for ent in _entities_near(doc, span, SIDE, reader):
        side = _side_of(ent, organ, stated) or (_name(ent, SIDE) if _neighbourhood(doc, ent, reader)
                                                 else None)
        if side:
            return side
    named = {e.start: _name(e, ORGAN) for e in organs}
    sides = {_name(e, SIDE) for e in _origin_entities(doc, doc.ents, SIDE, reader)
             if organ is not None and named.get(e.end) == organ}
    if not sides:       # "The left kidney is displaced inferiorly by it."
        sides = {_name(e, SIDE) for e in doc.ents if e.label_ in (SIDE + "left", SIDE + "right")
                 and e.end in named and _neighbourhood(doc, e, reader, reader.pushed_aside)}
    return sides.pop() if len(sides) == 1 else None


def _bound(doc, span, reader: Reader) -> tuple[str | None, str | None]:
    """(side, organ) named in the mass's own phrase, nearest first.

    The phrase runs from the mass word back and forward to the nearest break
    ("," "and" "displacing" ...): "LEFT ADRENAL: 4 cm mass", "mass arising from
    the upper pole of the right kidney". When a side comes before the mass word, what
    follows "with" is another finding ("right suprarenal mass with left HUN"). A plural mass word's
    phrase runs on across "and" ("right upper pole and left lower pole masses").
    """
    sentence = span.sent
    breaks = reader.breaks - reader.plural_joins if span[-1].lower_ in reader.plural_masses else reader.breaks
    before = _walk(doc, sentence, span.start - 1, -1, reader.before_tokens, breaks)
    sided = any(doc[i].ent_type_.startswith(SIDE) for i in before)
    after = _walk(doc, sentence, span.end, 1, reader.after_tokens,
                  breaks | reader.accompanying if sided else breaks)
    clause = _origin_clause(doc, span, reader)
    phrase = range(before.start if before else span.start,
                   max(after.stop if after else span.end, clause.stop))
    nearest = _nearest_entities(doc, span, (phrase,), clause)
    # the origin clause may come after words that are not the mass's ("mass displacing bowel
    # to the right, arising from the left kidney"): their sides count only when its own have none
    sides = _phrase_sides(doc, _nearest_entities(doc, span, (before, after, clause), clause), reader) \
        or _phrase_sides(doc, nearest, reader)
    real = [s for s in sides if s != "midline"]
    both = "bilateral" in real or {"left", "right"} <= set(real)
    side = "bilateral" if both else (real or sides or [None])[0]
    organs = [_name(e, ORGAN) for e in _origin_entities(doc, nearest, ORGAN, reader)]
    organ = organs[0] if organs else _organ_nearby(doc, span, reader)
    if organ in _disowned(doc, span, side, phrase, reader):
        organ = None
    return side, organ or (_paired_heading(span, reader) if side in ("left", "right") else None)


def _nearest_entities(doc, span, parts: tuple[range, ...], clause: range) -> list:
    """The entities in ``parts`` of the mass's phrase, those of its origin clause first, then
    the nearest."""
    inside = [e for e in doc.ents if any(e.start in part or e.end - 1 in part for part in parts)
              and not span.start <= e.start < span.end]
    return sorted(inside, key=lambda e: (e.start not in clause, abs(e.start - span.start)))


def _phrase_sides(doc, nearest: list, reader: Reader) -> list[str]:
    """The sides among ``nearest`` that name where the mass is, bare ones first."""
    sides = _origin_entities(doc, nearest, SIDE, reader)
    own = [_name(e, SIDE) for e in sides if not _neighbourhood(doc, e, reader)]
    return own or [_name(e, SIDE) for e in sides]


def _origin_clause(doc, span, reader: Reader) -> range:
    """The words after the mass, in its sentence, that say where it arises ("mass crossing
    the midline, arising from the right adrenal"; "retroperitoneal mass arising from the left
    adrenal"; "mass with dense calcification is seen in the pelvis, arising from the right
    ovary"): they name its origin before any other place. None once another mass or a full
    stop comes first."""
    sentence = span.sent
    for index in range(span.end, sentence.end - 1):
        token = doc[index]
        if token.ent_type_.removesuffix(ABSENT_SUFFIX) == MASS or token.text in (".", ";"):
            break
        if token.lower_ in reader.origin_words and doc[index + 1].lower_ in ORIGIN_LINKS:
            return _walk(doc, sentence, index + 1, 1, reader.after_tokens, reader.breaks)
    return range(span.end, span.end)


def _size_mm(sentence_text: str) -> float | None:
    """Largest dimension written in the sentence ("4.2 x 3.1 cm" -> 42.0)."""
    sizes = []
    for match in SIZE.finditer(sentence_text):
        numbers = [float(match[1])] + [float(n) for n in re.findall(r"\d+(?:\.\d+)?", match[2])]
        sizes.append(max(numbers) * (10.0 if match[3].lower() == "cm" else 1.0))
    return max(sizes) if sizes else None


def _elsewhere(span) -> str | None:
    """The words that put a calcification elsewhere. Checked here rather than through
    ConText's scopes: "Calcification is seen in the wall of the gallbladder" is
    elsewhere although "is seen" ends every scope. So the sentence is checked here: a
    line without a full stop ends the calcification's place too ("... with
    calcification\nSpleen normal" keeps it the mass's)."""
    doc = span.doc
    for modifier in doc._.context_graph.modifiers:
        start, end = modifier.modifier_span
        distance = start - span.end if start >= span.end else span.start - end
        words = doc[start:end]
        if (modifier.category == ELSEWHERE and modifier.allows(span.label_)
                and 0 <= distance < modifier.max_scope and _same_sentence(span, words)
                and modifier.rule.on_modifies(span, words, None) and not _a_guess_at_the_mass(span, words)
                and not _an_adjective_of_a_mass(span)
                and not any(token.ent_type_ == MASS for token in words)):
            return words.text
    return None


def _an_adjective_of_a_mass(span) -> bool:
    """The calcification is said of the mass word it stands before, with only the mass's
    side and place between ("indented by a calcified presacral mass"): whatever other organ
    its sentence names, it is the mass's."""
    doc = span.doc
    for token in doc[span.end:min(span.end + ADJECTIVE_REACH, span.sent.end)]:
        if token.ent_type_ == MASS:
            return True
        if not token.ent_type_.startswith((ORGAN, SIDE)):
            return False
    return False


def _a_guess_at_the_mass(span, place) -> bool:
    """A queried place set off after the calcification of a mass guesses what the mass is,
    not where its calcification sits ("midline mass, calcified - ?nodal, ?neuroblastoma";
    not "mass; calcified ?lymph nodes")."""
    doc = span.doc
    set_off = doc[span.end:place.start - 1]
    return span.end < place.start and doc[place.start - 1].text == "?" \
        and any(token.text in GUESS_SEPARATORS for token in set_off) \
        and any(token.ent_type_ == MASS for token in doc[span.sent.start:span.start])


def _dangles(modifier, span) -> bool:
    """The modifier modifies nothing, nothing it could be said of follows it in its
    clause, and nothing but the finding's place stands before it ("Calcification in mass:
    no |", "Calcified [ ] yes [x] no."; not "..., haemorrhage unlikely.", nor "..., the
    left without": that speaks of its own side)."""
    doc = span.doc
    start, end = modifier.modifier_span
    ends_clause = end >= len(doc) or not doc[end].is_alpha or _ends_line(doc[end - 1])
    between = doc[span.end:start]
    return modifier.num_targets == 0 and ends_clause and not _side_item(between) and all(
        len(token) == 1 or not token.is_alpha or _in_entity(token) or token.lower_ in NEUTRAL_WORDS
        for token in between)   # a single letter is a mark ("[x]") or a side


def _contested(modifier, span) -> bool:
    """A negation after the finding whose scope holds it but that went to another finding
    nearer to it ("calcification, so typical of neuroblastoma, is lacking"), not a flag it
    speaks of ("calcifications - haemorrhage unlikely")."""
    scope_start, words_start = modifier.scope_span[0], modifier.modifier_span[0]
    return (modifier.category == NEGATION and modifier.direction in ("BACKWARD", "BIDIRECTIONAL")
            and modifier.num_targets > 0 and scope_start <= span.start
            and not _flag_spoken_of(span.doc[span.end:words_start]))


def _unticked(words) -> bool:
    """The words are an option left unticked ("Calcification [x] yes [ ] no")."""
    before = words.doc[max(words.start - 2, 0):words.start]
    return before.text.replace(" ", "") == "[]" or before[-1:].text == UNTICKED_BOX


def _doubts(doc) -> Iterator[tuple[Any, Any]]:
    """(modifier, its words) of every negation and hedge in ``doc`` but an unticked option."""
    for modifier in doc._.context_graph.modifiers:
        words = doc[slice(*modifier.modifier_span)]
        if modifier.category in HEDGES | {NEGATION} and not _unticked(words):
            yield modifier, words


def _unresolved_cue(span) -> str | None:
    """Why a finding is not stated: a negation or hedge after it in its sentence that ConText gave
    to nothing it can name, or to another finding while they could be this one's. Of the
    two readings the one that sends no child to CT wins: the finding is not stated."""
    for modifier, words in _doubts(span.doc):
        if (words.start >= span.end and _same_sentence(span, words)
                and (_dangles(modifier, span) or _contested(modifier, span))):
            return f"'{words.text}' later in its sentence"
    return None


def _heading_answer(span) -> list:
    """The tokens that answer a heading ("Calcification: possible tiny focus, ..."): from
    after its colon to the end of that clause or line; none if ``span`` heads nothing (it
    must open its line or sentence: "mass 3 cm with calcification: recurrence?" is no heading)."""
    doc = span.doc
    if span.end >= len(doc) or doc[span.end].text != ":" or not _opens_its_line(span):
        return []
    answer = []
    for token in doc[span.end + 1:]:
        if token.lower_ in CLAUSE_BREAKS or token.text == "|" or (answer and _line_break(token)):
            break
        answer.append(token)
        if _ends_line(token):
            break
    return answer


def _opens_its_line(span) -> bool:
    """Nothing but marks, numbers or a "|" stands before ``span`` in its line or sentence."""
    for token in reversed(span.doc[span.sent.start:span.start]):
        if _line_break(token) or token.text == "|":
            return True
        if token.is_alpha:
            return False
    return True


def _doubtful_answer(span) -> str | None:
    """Why a heading states nothing: its answer holds a negation or a hedge, whatever
    ConText gave it to ("Calcification: possible tiny focus, ...", "Calcification: no
    calcified focus identified")."""
    answer = _heading_answer(span)
    if not answer:
        return None
    first, last = answer[0].i, answer[-1].i
    return next((f"answered '{words.text}'" for _, words in _doubts(span.doc)
                 if first <= words.start <= last), None)


def _of_a_flagged_finding(span) -> str | None:
    """The finding a calcification is said of when that finding is a context flag's
    ("haemorrhage which calcified", "haemorrhage that has since calcified"): its own, not
    the mass's."""
    words = [t for t in reversed(span.doc[span.sent.start:span.start]) if t.lower_ not in RELATIVE_WORDS]
    before = span.doc[span.start - 1] if span.start else None
    if before is None or before.lower_ not in RELATIVE_WORDS or not words:
        return None
    return words[0].text if words[0].ent_type_.startswith(FLAG) else None


def _mention(doc, span, reader: Reader, kind: str | None = None) -> Mention:
    kind = kind or KINDS[span.label_.removesuffix(ABSENT_SUFFIX)]
    status, cue = _status(span)
    unresolved = (_unresolved_cue(span) or _doubtful_answer(span)
                  if status == "present" and kind == "calcification" else None)
    if unresolved:
        return Mention(kind, "uncertain", span.text, unresolved)
    elsewhere = _elsewhere(span) or (_of_a_flagged_finding(span) if kind != "mass" else None)
    if kind != "mass" and status == "present" and elsewhere:
        return Mention(kind, "elsewhere", span.text, elsewhere)
    if kind != "mass" or status != "present":
        return Mention(kind, status, span.text, cue)
    side, organ = _bound(doc, span, reader)
    return Mention(kind, status, span.text, cue, side, organ, _size_mm(span.sent.text),
                   _secondary(doc, span, reader) or _spread_to(doc, organ, reader))


def _secondary(doc, span, reader: Reader) -> bool:
    """The word just before the mass, or just after it past marks and its place ("lesions
    ?mets", "lesions seg VI/VII ?mets"), says it is a metastasis."""
    before = doc[span.start - 1].lower_ if span.start else ""
    after = next((t.lower_ for t in doc[span.end:span.end + SECONDARY_REACH]
                  if not (t.is_punct or _a_place_word(t))), "")
    return bool({before, after} & reader.secondary)


def _a_place_word(token) -> bool:
    """A side, an organ or a segment's number ("seg VI/VII", "segment 4")."""
    return token.ent_type_.startswith((SIDE, ORGAN)) or token.like_num \
        or ROMAN_NUMERAL.fullmatch(token.lower_) is not None


def _spread_to(doc, organ: str | None, reader: Reader) -> bool:
    """The text calls the organ's lesions metastases elsewhere ("Liver: multiple hypoechoic
    lesions. Impression: ... likely liver metastases")."""
    return organ is not None and any(
        _name(e, ORGAN) == organ and _secondary(doc, e, reader)
        for e in doc.ents if e.label_.startswith(ORGAN))


def _known_place(doc, mentions: list[Mention], spans, reader: Reader) -> tuple[str | None, str | None]:
    """(side, organ) of the one place the text gives a mass it does not state as found now
    ("Known left adrenal neuroblastoma. Small residual mass 1.5 cm")."""
    places = {_bound(doc, span, reader) for mention, span in zip(mentions, spans)
              if mention.kind == "mass" and mention.status == "uncertain"}
    places.discard((None, None))
    return places.pop() if len(places) == 1 else (None, None)


def _with_fallback_side(doc, mentions: list[Mention], spans, reader: Reader) -> list[Mention]:
    """When no stated mass has a side in its own phrase, its sentences may give one, or
    failing that the known tumour's place (its organ too, if the mass has none)."""
    if any(m.side for m in mentions if m.kind == "mass" and m.status == "present"):
        return mentions
    result, known = [], None
    for mention, span in zip(mentions, spans):
        if mention.kind == "mass" and mention.status == "present":
            side, organ = _side_nearby(doc, span, mention.organ, reader), mention.organ
            if side is None:
                known = known or _known_place(doc, mentions, spans, reader)
                if organ in (None, known[1]):
                    side, organ = known[0], organ or known[1]
            mention = replace(mention, side=side, organ=organ)
        result.append(mention)
    return result


def _placed_in(doc, span, reader: Reader) -> str | None:
    """The organ a calcification is said to be in, right after it or its noun ("calcified
    focus in the liver", "calcification within its upper pole", "calcifications are present
    along the liver surface"), or as the subject that
    holds it ("The liver contains a few calcifications")."""
    tokens = doc[span.end:span.sent.end]
    at = next((i for i, token in enumerate(tokens[:PLACE_REACH]) if token.lower_ in PLACE_WORDS), None)
    if at is not None and not any(t.lower_ in reader.breaks or _in_entity(t) for t in tokens[:at]) \
            and sum(t.lower_ not in NEUTRAL_WORDS for t in tokens[:at]) <= 1:
        for token in tokens[at + 1:at + PLACE_REACH]:
            if token.ent_type_.startswith(ORGAN):
                return token.ent_type_[len(ORGAN):]
            if not (token.lower_ in ATTACHING_WORDS or token.ent_type_.startswith(SIDE)):
                break
    return _holder(doc[span.sent.start:span.start], reader) or _heading_organ(doc, span)


def _heading_organ(doc, span) -> str | None:
    """The organ of a line's heading before a calcification no mass follows in its line
    (but one said absent), with nothing named between them ("Liver: calcified focus",
    "Liver: punctate calcifications, no focal mass"; not "Kidneys: calcified left adrenal
    mass")."""
    before = [t for t in doc[span.sent.start:span.start] if not t.ent_type_.startswith(SIDE)]
    colon = next((i for i, token in enumerate(before[:3]) if token.text == ":"), None)
    if not colon or any(t.ent_type_ for t in before[colon + 1:]) \
            or any(e.label_ == MASS and NEGATION not in _categories(e) for e in doc.ents
                   if span.end <= e.start < span.sent.end):
        return None
    organ = before[colon - 1].ent_type_
    return organ[len(ORGAN):] if organ.startswith(ORGAN) else None


def _holder(before, reader: Reader) -> str | None:
    """The organ that is the subject of "contains" / "has" just before a calcification."""
    words = list(reversed(before))
    verb = next((i for i, token in enumerate(words[:PLACE_REACH]) if token.lower_ in HOLDING_VERBS), None)
    if verb is None or verb + 1 >= len(words) or any(
            t.lower_ in reader.breaks or _in_entity(t) for t in words[:verb]):
        return None
    subject = words[verb + 1]
    return subject.ent_type_[len(ORGAN):] if subject.ent_type_.startswith(ORGAN) else None


def _in_another_place(doc, mentions: list[Mention], spans, reader: Reader) -> list[Mention]:
    """A calcification whose own phrase names a side no stated mass is on ("Left renal
    mass. Right suprarenal region: small calcified focus"), or an organ none of them is in
    ("Small calcified focus in the liver. Left adrenal: 1 cm nodule"), is elsewhere; a mass
    that refers back to one named before ("this mass") is in that one's organ."""
    stated = [(m, span) for m, span in zip(mentions, spans) if m.kind == "mass" and m.status == "present"]
    masses = [m for m, _ in stated]
    mass_sides = {m.side for m in masses}
    sided = bool(mass_sides & {"left", "right"}) and "bilateral" not in mass_sides
    mass_organs = {m.organ for m in masses} - {None}
    placed = bool(mass_organs) and all(m.organ or _refers_back(span) for m, span in stated)
    result = []
    for mention, span in zip(mentions, spans):
        if mention.kind == "calcification" and mention.status == "present":
            side, organ = _bound(doc, span, reader)[0], _placed_in(doc, span, reader)
            if sided and side in ("left", "right") and side not in mass_sides:
                mention = Mention(mention.kind, "elsewhere", mention.words, f"{side} side")
            elif placed and organ is not None and organ not in mass_organs:
                mention = Mention(mention.kind, "elsewhere", mention.words, organ)
        result.append(mention)
    return result


def _denied_in_the_mass(mentions: list[Mention], spans, reader: Reader) -> list[Mention]:
    """A text that denies calcification in its mass's own sentence ("The left kidney contains
    a 4 cm solid mass; calcification is not seen within the mass") puts elsewhere the
    calcification it states in a sentence of another place: one naming another organ, or the
    other side, and no mass ("The right kidney is small with linear cortical calcification"),
    or only masses in an organ of ``spread_sites`` ("Liver contains nodules, several of
    which show shadowing calcification, in keeping with metastatic deposits")."""
    masses_in: dict[int, list[Mention]] = {}
    for mention, span in zip(mentions, spans):
        if mention.kind == "mass" and mention.status == "present":
            masses_in.setdefault(span.sent.start, []).append(mention)
    denied = [mass for mention, span in zip(mentions, spans)
              if mention.kind == "calcification" and mention.status == "absent"
              for mass in masses_in.get(span.sent.start, [])]
    if not denied:
        return mentions
    return [Mention(m.kind, "elsewhere", m.words, "calcification denied in the mass")
            if m.kind == "calcification" and m.status == "present"
            and _of_another_place(span.sent, masses_in.get(span.sent.start, []), denied, reader) else m
            for m, span in zip(mentions, spans)]


def _of_another_place(sentence, masses: list[Mention], denied: list[Mention], reader: Reader) -> bool:
    """The sentence's masses are all in a site of spread the denied masses are not in; or,
    with no mass, it names an organ and no denied mass is in it on a side it names."""
    if masses:
        return all(m.organ in reader.spread_sites for m in masses) \
            and not any(m.organ in reader.spread_sites for m in denied)
    organs = {_name(e, ORGAN) for e in sentence.ents if e.label_.startswith(ORGAN)}
    sides = {_name(e, SIDE) for e in sentence.ents if e.label_.startswith(SIDE)}
    return bool(organs) and not any(m.organ in organs and (not sides or m.side in sides) for m in denied)


def _refers_back(span) -> bool:
    """The mass word names a mass already named ("No calcification is seen within this mass")."""
    return span.start > 0 and span.doc[span.start - 1].lower_ in REFERRING_WORDS


def _correction_at(doc, reader: Reader) -> tuple[int, str] | None:
    """(character offset, words) of the first correction or addendum in ``doc``."""
    found = [(match.start(), match.group()) for words in reader.corrections
             for match in [re.search(rf"(?i)\b{re.escape(words)}\b", doc.text)] if match]
    return min(found) if found else None


def _corrected(doc, mentions: list[Mention], spans, reader: Reader) -> list[Mention]:
    """A finding stated before a correction that the correction negates or doubts (not
    one it names for another examination, a relative or a history) is not stated: the
    later word wins, and of two conflicting readings the one that sends no child to CT. A
    side the correction gives its mass is the side of the masses before it."""
    correction = _correction_at(doc, reader)
    if correction is None:
        return mentions
    at, words = correction
    later = [(m, span) for m, span in zip(mentions, spans) if span.start_char > at]
    reversed_kinds = {m.kind for m, span in later if m.status == "absent" or (
        m.status == "uncertain" and DOUBT in _categories(span))}
    later_sides = {m.side for m, _ in later if m.kind == "mass" and m.status == "present"} - {None}
    result = []
    for mention, span in zip(mentions, spans):
        earlier_stated = mention.status == "present" and span.start_char < at
        if earlier_stated and mention.kind in reversed_kinds:
            mention = Mention(mention.kind, "uncertain", mention.words, f"reversed by '{words}'")
        elif earlier_stated and mention.kind == "mass" and mention.side and len(later_sides) == 1:
            # "Correction: left. The mass arises from the LEFT kidney": the corrected side
            mention = replace(mention, side=next(iter(later_sides)))
        result.append(mention)
    return result


def _spread_after_the_mass(mentions: list[Mention], reader: Reader) -> list[Mention]:
    """Lesions in the plural in an organ of ``spread_sites``, after a mass stated in another
    organ, are its spread ("retroperitoneal soft tissue mass ... Liver contains several small
    lesions" is retroperitoneal): the side and organ are the first mass's."""
    first = next((i for i, m in enumerate(mentions) if m.kind == "mass" and m.status == "present" and m.organ),
                 None)
    if first is None:
        return mentions
    return [replace(m, secondary=True)
            if i > first and m.kind == "mass" and m.status == "present" and m.organ in reader.spread_sites
            and m.organ != mentions[first].organ and m.words.split()[-1].lower() in reader.plural_masses else m
            for i, m in enumerate(mentions)]


def _flags(doc, mentions: list[Mention], spans, reader: Reader) -> frozenset[str]:
    """Context flags named for this patient (not negated, not about family; for the flags
    the rules name, not a past one in another sentence than a mass stated now: "History of
    neonatal adrenal haemorrhage. Today a new solid mass ...", unless that mass is what
    is left of it: "... now contains a calcified residuum"), those the rules' patterns raise
    from the whole text, and those a mass stated or suspected is by its name ("likely
    resolving haematoma"); but none the rules' patterns set aside ("Too vascular for a
    haematoma")."""
    stated = {span.sent.start for m, span in zip(mentions, spans) if m.kind == "mass" and m.status == "present"
              and m.words.lower() not in reader.remains}
    set_aside, raised = (
        {flag for flag, patterns in table.items() if any(p.search(doc.text) for p in patterns)}
        for table in (reader.flags_set_aside, reader.flags_raised))
    named = {_name(e, FLAG) for e in doc.ents if e.label_.startswith(FLAG)
             and not {NEGATION, "FAMILY"} & _categories(e).keys()
             and not (_name(e, FLAG) in reader.past_flags_apart
                      and {HISTORICAL, INDICATION} & _categories_now(e).keys()
                      and stated and e.sent.start not in stated)}
    by_name = [(m, reader.mass_flags.get(m.words.lower())) for m in mentions
               if m.kind == "mass" and m.status in ("present", "uncertain")]
    # a mass named by what it may be, without a place, is in the place of the mass stated
    # ("renal mass; differential includes a calcified haematoma" is no adrenal haemorrhage)
    stated_organ = next((m.organ for m in mentions if m.kind == "mass" and m.status == "present"
                         and m.organ), None)
    return frozenset(named | raised | {flag for m, (flag, organs) in ((m, f) for m, f in by_name if f)
                                       if (m.organ or stated_organ) in organs | {None}}) - set_aside


def read_text(text: str, reader: Reader | None = None) -> Reading:
    """Every mention of the mass and of calcification in ``text``, and its context flags."""
    reader = reader or default_reader()
    doc = reader.nlp(reader.as_written(text))
    spans = [e for e in doc.ents if e.label_.removesuffix(ABSENT_SUFFIX) in KINDS]
    mentions = _with_fallback_side(doc, [_mention(doc, s, reader) for s in spans], spans, reader)
    mentions = _in_another_place(doc, mentions, spans, reader)
    mentions = _denied_in_the_mass(mentions, spans, reader)
    mentions = _corrected(doc, mentions, spans, reader)
    mentions = _spread_after_the_mass(mentions, reader)
    return Reading(tuple(mentions + _lesions_named_by_flags(doc, mentions, reader)),
                   _flags(doc, mentions, spans, reader), reader.organ_order)


def _lesions_named_by_flags(doc, mentions: list[Mention], reader: Reader) -> list[Mention]:
    """In a text with no mass word at all, a flag stated plainly that names a lesion
    (``lesion_flags``) is the mass, with its side and organ: "Left adrenal haemorrhage,
    1.5 cm" (not "?adrenal haemorrhage", "in keeping with adrenal haemorrhage", nor beside
    "No solid mass")."""
    if any(m.kind == "mass" for m in mentions):
        return []
    lesions = [_mention(doc, e, reader, "mass") for e in doc.ents
               if e.label_ in reader.lesion_flags and reader.lesion_flags[e.label_].fullmatch(e.text)]
    return [m for m in lesions if m.status == "present"]


def text_observations(value: str, source: str, uid: str, where: str) -> Iterator[Observation]:
    """Mass, calcification, laterality, organ, size, context and uncertain mentions in one text."""
    reading = read_text(value)
    for kind in ("mass", "calcification"):
        status = reading.status(kind)
        if status:
            yield Observation(kind, status, source, uid, where)
    facts = (("laterality", reading.laterality), ("organ", reading.organ),
             ("size_mm", f"{reading.size_mm:g}" if reading.size_mm else None))
    for kind, fact in facts:
        if fact and reading.masses:
            yield Observation(kind, fact, source, uid, where)
    for flag in sorted(reading.context):
        yield Observation("context", flag, source, uid, where)
    for note in reading.uncertain_notes():
        yield Observation("uncertain", note, source, uid, where)

