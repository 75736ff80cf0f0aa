"""The rule list is explicit, and a language is one module.

English runs the rules listed in ``audioessay.text.en.RULES``, in that order: a rule defined in
a family module but left out of the list (or listed twice) is a bug this file catches. A second
language, written as one module, is used by speak(), split_sentences() and clean_markdown()
without touching them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import textwrap
from collections import Counter

import pytest

import audioessay.text.en as en
from audioessay.text import lang_base
from audioessay.text.clean import clean_markdown
from audioessay.text.lang_base import Rule, available_languages, get_language, register_language
from audioessay.text.sentences import split_sentences
from audioessay.text.speak import speak

# The order the English rules run in. Changing it changes what listeners hear: update this
# list only together with the golden scripts (scripts/regen-golden).
ENGLISH_ORDER = [
    "telephone number", "iso date", "numeric date", "day month", "month day", "month year",
    "time range", "clock time", "dotted time", "hour am/pm", "ratio", "abbreviation",
    "dotted initialism", "initials", "unknown abbreviation", "symbol before number", "number sign",
    "currency code", "hours and minutes", "feet and inches", "feet", "dimensions", "multiplier",
    "year span", "currency", "percent", "unit", "decade range", "pence", "decade", "short year",
    "ordinal range", "ordinal", "fraction", "range", "year", "cardinal", "glued number", "roman",
    "initialism", "symbol", "hashtag", "slash",
]  # fmt: skip

FAMILIES = ["numbers", "dates", "money_units", "abbreviations", "letters"]


def _is_rule(value: object) -> bool:
    """A rule object: a Rule, or an instance of a rule class (name + apply)."""
    return not inspect.isclass(value) and isinstance(getattr(value, "name", None), str) and callable(
        getattr(value, "apply", None)
    )


def _family_rules() -> dict[int, str]:
    """Every rule object defined in a family module: id -> "module.attribute"."""
    found: dict[int, str] = {}
    for family in FAMILIES:
        module = importlib.import_module(f"audioessay.text.en.{family}")
        for attr, value in vars(module).items():
            if _is_rule(value):
                found.setdefault(id(value), f"{family}.{attr}")
    return found


def test_english_rules_run_in_the_declared_order():
    assert [rule.name for rule in en.RULES] == ENGLISH_ORDER
    assert get_language("en").rules == en.RULES
    assert get_language("en").rules is en.RULES


def test_every_family_rule_is_listed_exactly_once():
    listed = Counter(id(rule) for rule in en.RULES)
    assert [r.name for r in en.RULES if listed[id(r)] > 1] == []
    defined = _family_rules()
    missing = sorted(name for key, name in defined.items() if key not in listed)
    assert missing == [], f"rules defined but never run (add them to audioessay.text.en.RULES): {missing}"
    strays = [rule.name for rule in en.RULES if id(rule) not in defined]
    assert strays == [], f"rules listed but not defined in a family module: {strays}"


def test_every_rule_class_has_its_instance_in_the_list():
    listed_types = {type(rule) for rule in en.RULES}
    for family in FAMILIES:
        module = importlib.import_module(f"audioessay.text.en.{family}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__ and hasattr(value, "apply"):
                assert value in listed_types, f"{family}.{name} is never instantiated in RULES"


def test_the_package_holds_only_known_modules():
    # A new family module must be added to FAMILIES (and so to the checks above).
    helpers = {"context", "spoken", "prose"}
    modules = {info.name for info in pkgutil.iter_modules(en.__path__)}
    assert modules == set(FAMILIES) | helpers


def test_rule_names_are_unique():
    assert len({rule.name for rule in en.RULES}) == len(en.RULES)


def test_family_rules_are_plain_rules_or_rule_classes():
    for rule in en.RULES:
        assert isinstance(rule, Rule) or type(rule).__name__.endswith("Rule")


# --- a second language, as one module ------------------------------------------------------

_TOY_LANGUAGE = textwrap.dedent('''
    """A toy language: "zwei" for 2, its own abbreviations, sources title and e-mail words."""

    import re

    from audioessay.text.lang_base import Language, Rule, SentenceWords

    _DIGITS = "null eins zwei drei vier fünf sechs sieben acht neun".split()


    def number(text):
        return " ".join(_DIGITS[int(c)] for c in text if c.isdigit())


    def _number(m, rec):
        spoken = number(m.group(0))
        rec.add(m.group(0), spoken, "cardinal")
        return spoken


    def _doctor(m, rec):
        rec.add(m.group(0), "Doktor", "abbreviation")
        return "Doktor"


    LANGUAGE = Language(
        code="xx",
        name="Toy",
        rules=(
            Rule("doctor", re.compile(r"\\bDr\\.(?=\\s)"), _doctor),
            Rule("number", re.compile(r"\\d+"), _number, requires="0123456789"),
        ),
        number=number,
        link_word="Verweis",
        note_word="Fussnote",
        sentence_words=SentenceWords(
            never_end=frozenset({"Dr", "bzw"}),
            before_number=frozenset({"Nr"}),
            may_end=frozenset({"usw"}),
            starters=frozenset({"Der", "Die", "Das"}),
        ),
        notes_titles=frozenset({"quellen"}),
        email_words={".": "Punkt", "@": "bei"},
        numero="Nr. ",
    )
''')


@pytest.fixture
def toy_language(tmp_path, monkeypatch):
    (tmp_path / "toy_language_xx.py").write_text(_TOY_LANGUAGE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(lang_base, "_MODULES", dict(lang_base._MODULES))
    monkeypatch.setattr(lang_base, "_LOADED", dict(lang_base._LOADED))
    register_language("xx", "toy_language_xx")
    return get_language("xx")


def test_a_second_language_is_one_module(toy_language):
    assert "xx" in available_languages()
    assert toy_language.name == "Toy"
    assert get_language("XX-ch") is toy_language


def test_speak_uses_the_second_language(toy_language):
    assert speak("Dr. Muller hat 42 Katzen.", "xx")[0] == "Doktor Muller hat vier zwei Katzen."
    assert speak("Dr. Muller hat 42 Katzen.")[0] == "Doctor Muller hat forty-two Katzen."
    assert speak("Schreib an jo.doe@example.com heute.", "xx")[0] == (
        "Schreib an jo Punkt doe bei example Punkt com heute."
    )
    assert speak("https://example.com", "xx")[0] == "Verweis"
    # "№" becomes the language's own word before the rules run.
    assert speak("№ 5", "xx")[0] == "Nr. fünf"


def test_split_sentences_uses_the_second_language(toy_language):
    text = "Ich traf Dr. Muller. Er kam bzw. Sie ging. Siehe Nr. 5 usw. Der Rest."
    assert split_sentences(text, "xx") == ["Ich traf Dr. Muller.", "Er kam bzw. Sie ging.", "Siehe Nr. 5 usw.",
                                           "Der Rest."]
    # English does not know "bzw" or "usw".
    assert split_sentences(text) == ["Ich traf Dr. Muller.", "Er kam bzw.", "Sie ging.", "Siehe Nr.", "5 usw.",
                                     "Der Rest."]


def test_clean_markdown_uses_the_second_languages_sources_title(toy_language):
    body = "Text hier.\n\n## Quellen\n\n- https://example.com/a\n"
    blocks, links, _ = clean_markdown(body, 1, language="xx")
    assert [b.text for b in blocks] == ["Text hier."]
    assert [link.url for link in links] == ["https://example.com/a"]
    blocks, _, _ = clean_markdown(body, 1)  # English: "Quellen" is a heading like any other
    assert [b.text for b in blocks] == ["Text hier.", "Quellen"]


def test_an_unknown_language_is_refused_by_every_stage():
    with pytest.raises(ValueError, match="unsupported language 'zz'"):
        split_sentences("A. B.", "zz")
    with pytest.raises(ValueError, match="unsupported language 'zz'"):
        clean_markdown("A.", 1, language="zz")
