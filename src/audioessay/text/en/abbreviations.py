"""English abbreviations: titles ("Mr.", "Dr."), Latin ("e.g."), "St." as Saint or Street, and
words said only before a number ("No. 5", "p. 12").

Each rule here runs only where :data:`audioessay.text.en.RULES` lists it.
"""

from __future__ import annotations

import re

from audioessay.text.en.context import NOT_NAMES, ends_sentence, make_rule, word_after, word_before
from audioessay.text.lang_base import Recorder

# Always expanded. Keys are matched case-sensitively; lowercase Latin ones also match with
# a capital first letter ("E.g." -> "For example").
ABBREVIATIONS = {
    "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Mx.": "Mix", "Prof.": "Professor",
    "Rev.": "Reverend", "Hon.": "Honourable", "Gen.": "General", "Col.": "Colonel",
    "Capt.": "Captain", "Lt.": "Lieutenant", "Sgt.": "Sergeant", "Gov.": "Governor",
    "Sen.": "Senator", "Rep.": "Representative", "Pres.": "President", "Fr.": "Father",
    "Jr.": "Junior", "Sr.": "Senior", "Mt.": "Mount", "Ft.": "Fort", "Ave.": "Avenue",
    "Rd.": "Road", "Blvd.": "Boulevard", "Inc.": "Incorporated", "Ltd.": "Limited",
    "Corp.": "Corporation", "Co.": "Company", "Bros.": "Brothers", "Dept.": "Department",
    "Univ.": "University", "Apt.": "apartment", "apt.": "apartment", "Mme.": "Madame",
    "Mlle.": "Mademoiselle", "Ph.D.": "P-H-D", "PhD": "P-H-D", "PhDs": "P-H-D's",
    "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus",
    "vs": "versus", "approx.": "approximately", "cf.": "compare", "viz.": "namely",
    "et al.": "and others", "a.k.a.": "also known as", "incl.": "including",
    "esp.": "especially", "govt.": "government", "dept.": "department",
    "a.m.": "a-m", "p.m.": "p-m", "WWI": "World War One", "WWII": "World War Two",
    "WW1": "World War One", "WW2": "World War Two",
}  # fmt: skip
# Said only before a capitalized name when written without the period ("Mr Smith").
TITLES_WITHOUT_PERIOD = {"Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Dr": "Doctor", "Prof": "Professor"}
# Expanded only before a number ("No. 5" -> "number five"; "No. I won't" stays).
BEFORE_NUMBER = {
    "No.": "number", "no.": "number", "Nos.": "numbers", "nos.": "numbers", "p.": "page",
    "pp.": "pages", "vol.": "volume", "Vol.": "volume", "vols.": "volumes", "ch.": "chapter",
    "Ch.": "chapter", "chap.": "chapter", "fig.": "figure", "Fig.": "figure", "eq.": "equation",
    "Eq.": "equation", "sec.": "section", "Sec.": "section", "c.": "circa", "ca.": "circa",
}  # fmt: skip


# Abbreviations run after dates and times (which own "Jan." and "p.m.") and before the
# number rules (so "No. 5" becomes "number 5", then "number five").
def _abbreviation_keys() -> dict[str, str]:
    keys = dict(ABBREVIATIONS)
    for key, spoken in ABBREVIATIONS.items():
        if key[0].islower():
            # "E.g." opening a sentence becomes "For example".
            keys.setdefault(key[0].upper() + key[1:], spoken[0].upper() + spoken[1:])
    return keys


_ALWAYS = _abbreviation_keys()
_NUMBER_NEXT = re.compile(r"[ \t]*[#\d]")
# "the 5th c." and "the 19th C.": century after an ordinal.
_ORDINAL_BEFORE = re.compile(r"\d(?:st|nd|rd|th)[ \t]+$|\b(?:first|second|third|fourth|fifth|sixth|seventh|"
                             r"eighth|ninth|tenth|eleventh|twelfth|[a-z]+teenth|twentieth|twenty-first)[ \t]+$")
# "M. Dupont": Monsieur; "MM. Dupont et Durand": Messieurs. Not an initial ("J. M. Barrie").
_INITIAL_BEFORE = re.compile(r"(?<![\w.])[A-Z]\.[ \t]*$")
_INITIAL_AFTER = re.compile(r"[ \t]+[A-Z]\.")
# These are expanded before a Roman numeral too ("vol. II" -> "volume II", which the Roman rule
# then reads "volume two"); never "No." ("No. I won't"), "p." or "c.".
_BEFORE_ROMAN = frozenset({"vol.", "Vol.", "vols.", "ch.", "Ch.", "chap.", "sec.", "Sec.", "fig.", "Fig."})
_ROMAN_NEXT = re.compile(r"[ \t]*[IVXLC]+(?![\w])")
_ABBREVIATION_KEYS = sorted(
    set(_ALWAYS) | set(TITLES_WITHOUT_PERIOD) | set(BEFORE_NUMBER) | {"St.", "St", "Dr.", "v.", "M.", "MM.", "C."},
    key=len,
    reverse=True,
)


@make_rule("abbreviation", r"(?<![\w.])(?:" + "|".join(map(re.escape, _ABBREVIATION_KEYS)) + r")(?:(?!\w)|(?<=\bc\.)(?=\d))", requires="")
def abbreviation(m: re.Match[str], rec: Recorder) -> str | None:
    token, text = m.group(0), m.string
    if token in _SPECIAL:
        return _SPECIAL[token](m, rec)
    after = word_after(text, m.end())
    before = word_before(text, m.start())
    name_follows = after[:1].isupper()
    attention = False
    if token in ("St.", "St"):
        # Saint before a name ("St. Paul"), Street after one ("Baker St.").
        name_before = before[:1].isupper() and before not in NOT_NAMES
        if token == "St" and not name_follows:
            return None
        spoken = "Saint" if name_follows else "Street"
        attention = name_follows == name_before  # both or neither: a guess
    elif token == "Dr.":
        name_before = before[:1].isupper() and before not in NOT_NAMES
        spoken = "Drive" if name_before and not name_follows else "Doctor"
    elif token in TITLES_WITHOUT_PERIOD:
        if not name_follows:
            return None
        spoken = TITLES_WITHOUT_PERIOD[token]
    elif token in BEFORE_NUMBER:
        if not (_NUMBER_NEXT.match(text, m.end()) or (token in _BEFORE_ROMAN and _ROMAN_NEXT.match(text, m.end()))):
            return None
        spoken = BEFORE_NUMBER[token]
    elif token == "v.":
        # "Roe v. Wade"; a lone "v." is anything else.
        if not (before[:1].isupper() and name_follows):
            return None
        spoken = "versus"
    else:
        spoken = _ALWAYS[token]
        if m.start() == 0:
            spoken = spoken[0].upper() + spoken[1:]  # "Apt. 4 is empty": "Apartment four ..."
    if token.endswith(".") and ends_sentence(text, m.end()):
        spoken += "."
    rec.add(token, spoken, "abbreviation", attention)
    return spoken


def _monsieur(m: re.Match[str], rec: Recorder) -> str | None:
    """ "M. Dupont" -> "Monsieur Dupont"; "J. M. Barrie" and "M. R. James" keep their initials.
    Before a first name and a surname ("M. Night Shyamalan") it is marked for review."""
    text, token = m.string, m.group(0)
    after = word_after(text, m.end())
    if not after[:1].isupper() or len(after) < 2 or after in NOT_NAMES or _INITIAL_AFTER.match(text, m.end()):
        return None
    if _INITIAL_BEFORE.search(text, max(0, m.start() - 4), m.start()):
        return None
    spoken = "Monsieur" if token == "M." else "Messieurs"
    two_names = re.match(r"[ \t]+[A-Z][\w'’-]+[ \t]+[A-Z][a-z]", text[m.end() :]) is not None
    rec.add(token, spoken, "abbreviation", attention=two_names)
    return spoken


def _century_or_circa(m: re.Match[str], rec: Recorder) -> str | None:
    """ "the 5th c." -> "the fifth century"; "c. 1850" -> "circa 1850"; "C. S. Lewis" stays."""
    token, text = m.group(0), m.string
    if _ORDINAL_BEFORE.search(text, max(0, m.start() - 20), m.start()):
        spoken = "century"
    elif token == "c." and _NUMBER_NEXT.match(text, m.end()):
        spoken = BEFORE_NUMBER[token] + " "  # "c.1850" too
    else:
        return None
    if ends_sentence(text, m.end()):
        spoken += "."
    rec.add(token, spoken.rstrip(". "), "abbreviation")
    return spoken


_SPECIAL = {"M.": _monsieur, "MM.": _monsieur, "c.": _century_or_circa, "C.": _century_or_circa}


@make_rule("unknown abbreviation", r"(?<![\w.])([A-Za-z]{1,6})\.(?=[ \t]+[a-z])", requires=".")
def unknown_abbreviation(m: re.Match[str], rec: Recorder) -> None:
    # A period followed by a lowercase word inside one sentence is an abbreviation we do
    # not know; leave it, but ask a person.
    rec.add(m.group(0), m.group(0), "abbreviation", attention=True)
