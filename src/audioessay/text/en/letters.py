"""English letters and symbols: initialisms ("BBC" -> "B-B-C"), initials ("J. R. R."),
symbols said as words ("&", "%", "#5", "he/she") and powers ("mc²" -> "m c squared").

Each rule here runs only where :data:`audioessay.text.en.RULES` lists it.
"""

from __future__ import annotations

import re

from audioessay.text.en.context import ends_sentence, make_rule, word_after, word_before, word_set
from audioessay.text.en.money_units import UNITS
from audioessay.text.en.numbers import VALID_ROMAN
from audioessay.text.en.spoken import number, spell
from audioessay.text.lang_base import Recorder

# Pronounced as words, so never spelled out.
ACRONYMS = word_set(
    "NASA NATO UNESCO UNICEF LASER RADAR SONAR SCUBA OPEC FIFA UEFA NAFTA AIDS COVID GIF "
    "JPEG PIN SIM ISIS SWAT NIMBY YOLO FOMO OK TED LEGO IKEA ZIP RAM ROM WASP POTUS SCOTUS "
    "FLOTUS DARPA NORAD CERN BAFTA MOMA UNIX LAN WAN NASDAQ ASCII DOS OSHA FEMA ICE MERS "
    "SARS NOAA OLED GOAT ANZAC QANTAS EPCOT BASIC COBOL MAX ASEAN CAPTCHA LIDAR AWOL INTERPOL MIDI "
    "NAACP OFSTED OFCOM UNIFIL SWIFT FIDE MENSA EFTA NICE"
)
# Spelled letter by letter with confidence. Any other all-caps word is spelled too, but marked
# for review: it may be an acronym said as a word (like NASA) that these lists do not know.
INITIALISMS = word_set(
    "AI BBC FBI CIA USA UK EU UN US IT CEO CFO CTO COO HR PR TV DVD CD PC PDF URL USB GPS DNA RNA HIV "
    "NHS GP MP BMW IBM CNN ABC NBC CBS ITV UFO IQ ID VIP FAQ ATM MBA BA MA BSc NYC LA DC UAE IMF WTO "
    "WHO OECD ISO IPO GDP CPU GPU API SDK SQL HTML CSS HTTP HTTPS SMS MRI ICU ER CPR ADHD OCD PTSD IVF "
    "LGBT LGBTQ NGO UNHCR ICC ICJ IRA IRS SEC FDA EPA CDC NIH NSA KGB FC NFL NBA MLB NHL UFC BBQ DJ "
    "MC CV LED LCD TB KB MB GB USSR GDR WWF RSPCA UCL LSE MIT UCLA NYU BP EV SUV RV AC AD BC CE BCE "
    "ETA DIY PS RSVP AKA FYI GOP DNC SNP ANC PM VP IOC DUI RSS UN UNC CNBC NPR PBS HBO MTV ESPN "
    "AP AFP EEC ECB FTSE NYSE SAT GCSE VAT UV ICT IoT VR AR ML LLM CT ECG EEG IVF HGV MoD RAF SAS "
    "ITN NASCAR JFK MLK LBJ FDR AA BT EA GM GE HP ID IDs SOS SUVs TNT ATP DHL UPS RAC AAA AGM OS"
)
# Said as words, but espeak-ng says their plural or possessive right only in capitals: "OK's"
# is "oh-kay-z", "Ok's" would be "ox".
_SUFFIX_IN_CAPITALS = word_set("OK")
_LONGEST_SPELLED = 5  # letters; longer capital words are only ever acronyms ("UNESCO's")
# All-caps words that are also emphasis ("WHO cares?"), spelled when they name the
# organization: after "the", "by" ..., or with "'s".
ORGANIZATION_BEFORE = word_set("the The by from with of and to at for against")
# All-caps emphasis ("I do NOT agree"): said as the word, never spelled.
EMPHASIS_WORDS = word_set(
    "NOT NO YES AND OR THE BUT ALL NEVER EVER VERY MUST WILL CAN DO DID DOES HAVE HAS WAS "
    "WERE ARE IS BE THIS THAT WHAT WHY HOW WHO YOU ME MY HE SHE WE THEY HIS HER OUR NOW STOP "
    "HELP LOVE WOW HATE REALLY ONLY JUST SO TOO ONE TWO"
)


SYMBOL_WORDS = {
    "&": "and", "+": "plus", "=": "equals", "@": "at", "%": "percent", "°": "degrees",
    "×": "times", "÷": "divided by", "±": "plus or minus", "≈": "approximately",
    "≠": "does not equal", "∞": "infinity", "§": "section", "§§": "sections",
}  # fmt: skip
BEFORE_NUMBER_SYMBOLS = {
    "~": "about",
    "≈": "approximately",
    "<": "less than",
    ">": "more than",
    "≤": "at most",
    "≥": "at least",
}


@make_rule("dotted initialism", r"(?<![\w.])[A-Za-z](?:\.[A-Za-z])+\.?(?![\w])", requires=".")
def dotted_initialism(m: re.Match[str], rec: Recorder) -> str:
    token = m.group(0)
    letters = token.replace(".", "")
    if letters.endswith("s") and letters[:-1].isupper() and len(letters) > 2:
        spoken = spell(letters[:-1]) + "'s"  # "M.P.s" is a plural, said like "MPs"
    else:
        spoken = spell(letters)
    if token.endswith(".") and ends_sentence(m.string, m.end()):
        spoken += "."
    rec.add(token, spoken, "initialism")
    return spoken


@make_rule("initials", r"(?<![\w.])[A-Z]\.(?:[ \t]?[A-Z]\.)*(?=[ \t]+[A-Z])", requires=".")
def initials(m: re.Match[str], rec: Recorder) -> str:
    # "J. R. R. Tolkien": the periods would make espeak end the sentence.
    spoken = spell("".join(c for c in m.group(0) if c.isupper()))
    rec.add(m.group(0), spoken, "initialism")
    return spoken


@make_rule("symbol before number", r"(?P<s>[~≈<>≤≥])[ \t]?(?=-?\d|[$£€¥₹]\d)")
def symbol_before_number(m: re.Match[str], rec: Recorder) -> str:
    spoken = BEFORE_NUMBER_SYMBOLS[m.group("s")]
    if m.group("s") in "~≈":
        # "a ~20% rise": "a roughly ...", never "a about ..."; "an ~8% fall": "an approximately".
        article = word_before(m.string, m.start()).lower()
        if article in ("about", "approximately", "roughly", "around", "circa", "approx"):
            rec.add(m.group(0), "", "symbol")
            return ""  # "about ~5 km": said once
        spoken = {"a": "roughly", "an": "approximately"}.get(article, spoken)
    rec.add(m.group(0), spoken, "symbol")
    return spoken + " "


@make_rule("number sign", r"(?<!\w)#[ \t]?(?=\d)")
def number_sign(m: re.Match[str], rec: Recorder) -> str:
    rec.add("#", "number", "symbol")
    return "number "


class InitialismRule:
    """All-caps words said letter by letter: "BBC" -> "B-B-C"; acronyms said as words stay.

    A plural or possessive keeps its letters and gets an apostrophe: "AIs" and "AI's" ->
    "A-I's", "CEOs'" -> "C-E-O's'", "OSes" -> "O-S's". espeak-ng needs it: "A-I's" is
    "ay eye z", but "A-Is" is "ay iz" and "C-E-Os" "see ee oh ess". An acronym said as a word
    gets a capital only ("NASA's" -> "Nasa's", "LEGOs" -> "Legos"): in capitals espeak-ng
    drops the ending ("NASA's" is said "nasa").
    """

    name = "initialism"
    pattern = re.compile(
        r"(?<![\w'’])(?P<w>[A-Z]{2,8})"
        r"(?P<s>['’]s|(?<=[SXZ])es|s(?P<q>['’](?!\w))?)?(?!\w)"
    )
    # Three or more all-caps words in a row are shouting, not initialisms. "CEOs" counts, and so
    # does "C-E-O's", so that the next pass sees the same shouting.
    _caps_word = r"\b(?:[A-Z]{2,}|[A-Z](?:-[A-Z])+)(?:['’]?s)?\b"
    _shouting = re.compile(rf"{_caps_word}(?:[ \t]+{_caps_word}){{2,}}")
    _valid_roman = VALID_ROMAN

    def apply(self, text: str, rec: Recorder) -> str:
        if not re.search(r"[A-Z]{2}", text):
            return text
        shouting = [m.span() for m in self._shouting.finditer(text)]
        return self.pattern.sub(lambda m: self._say(m, rec, shouting), text)

    def _say(self, m: re.Match[str], rec: Recorder, shouting: list[tuple[int, int]]) -> str:
        word, suffix = m.group("w"), m.group("s")
        if len(word) > _LONGEST_SPELLED and word not in ACRONYMS:
            return m.group(0)  # a longer capital word is a word, or shouting
        organization = word in EMPHASIS_WORDS and word in INITIALISMS and (suffix or self._names_body(m))
        if not organization:
            shouted = any(start <= m.start() < end for start, end in shouting)
            if word in ACRONYMS:
                # In shouting it stays in capitals, so that the next pass sees the same shouting.
                return m.group(0) if shouted else self._said_as_word(m, rec)
            if (
                word in EMPHASIS_WORDS
                or (not suffix and self._valid_roman.fullmatch(word))
                # In shouting only a known initialism's plural is spelled: espeak-ng says
                # "PDFs" as "P-D-F" but "BBC" right.
                or (shouted and not (suffix and word in INITIALISMS))
            ):
                return m.group(0)
        spoken = spell(word) + ("'s" if suffix else "") + (m.group("q") or "")
        # An unknown word might be an acronym said as a word (like NASA): ask a person; so may
        # "WHO" read as the organization without "the" before it.
        attention = word not in INITIALISMS or (
            word in EMPHASIS_WORDS and not suffix and word_before(m.string, m.start()) not in ORGANIZATION_BEFORE
        )
        rec.add(m.group(0), spoken, "initialism", attention)
        return spoken

    @staticmethod
    def _said_as_word(m: re.Match[str], rec: Recorder) -> str:
        """ "NASA's" -> "Nasa's", "PINs" -> "Pins"; "NASA" and "OK's" stay as written."""
        word, suffix = m.group("w"), m.group("s")
        if not suffix or suffix == "es" or word in _SUFFIX_IN_CAPITALS:
            return m.group(0)
        spoken = word.capitalize() + m.group(0)[len(word) :]
        rec.add(m.group(0), spoken, "acronym")
        return spoken

    @staticmethod
    def _names_body(m: re.Match[str]) -> bool:
        """ "The WHO declared": an organization, not the shouted "WHO cares?" """
        text = m.string
        if word_before(text, m.start()) in ORGANIZATION_BEFORE:
            return True
        after = word_after(text, m.end())
        return bool(after) and after[0].islower() and "?" not in text[m.end() :]


initialism = InitialismRule()


_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT_DIGITS + "⁻⁺ⁿ", "0123456789-+n")
_SAID_POWERS = {"2": "squared", "3": "cubed"}
_SINGULAR_AFTER = word_set("per a an one each every")


class SymbolRule:
    """Signs said as words: "&" -> "and", "%" -> "percent", and powers, which the text stage
    keeps as superscripts when they are not footnote markers (see speak._is_power):
    "x³" -> "x cubed", "mc²" -> "m c squared", "10⁻³" -> "ten to the power of minus three",
    "per m²" -> "per square metre", "Cl⁻" -> "Cl minus"."""

    name = "symbol"
    requires = "".join(SYMBOL_WORDS) + _SUPERSCRIPT_DIGITS + "⁻⁺ⁿ"
    pattern = re.compile(r"§§|[&+=@%°×÷±≈≠∞§]")
    power = re.compile(
        r"(?P<per>/)?(?:(?<![^\W\d_])(?P<base>[A-Za-z]{1,3}))?"
        rf"(?:(?P<charge>[{_SUPERSCRIPT_DIGITS}]*[⁻⁺])(?![{_SUPERSCRIPT_DIGITS}ⁿ])"
        rf"|(?P<exp>[⁻⁺]?(?:[{_SUPERSCRIPT_DIGITS}]+|ⁿ)))"
    )

    def apply(self, text: str, rec: Recorder) -> str:
        if not any(c in text for c in self.requires):
            return text
        text = self.power.sub(lambda m: self._power(m, rec), text)
        return self.pattern.sub(lambda m: self._symbol(m, rec), text)

    @staticmethod
    def _symbol(m: re.Match[str], rec: Recorder) -> str:
        spoken = SYMBOL_WORDS[m.group(0)]
        rec.add(m.group(0), spoken, "symbol")
        return f" {spoken} "

    @staticmethod
    def _power(m: re.Match[str], rec: Recorder) -> str:
        base = m.group("base") or ""
        if m.group("charge"):  # an ion: "Cl⁻" -> "Cl minus", "O²⁻" -> "O two minus"
            charge = m.group("charge").translate(_FROM_SUPERSCRIPT)
            words = (number(charge[:-1]) + " " if charge[:-1] else "") + ("minus" if charge[-1] == "-" else "plus")
            spoken = ("/" if m.group("per") else "") + f"{base} {words}"
        else:
            exponent = m.group("exp").translate(_FROM_SUPERSCRIPT).lstrip("+")
            unit = UNITS.get(base + exponent) if "=" not in m.string else None
            if unit is not None:  # "per m²", "in km²"; after a number the unit rule said it
                before = "/" if m.group("per") else word_before(m.string, m.start()).lower()
                spoken = unit[0] if before == "/" or before in _SINGULAR_AFTER else unit[1]
                spoken = ("per " if m.group("per") else "") + spoken
            else:
                spoken = f"{_symbol_letters(base)} {_power_words(exponent)}"
                spoken = ("over " if m.group("per") else "") + spoken  # "x/y²": "x over y squared"
        spoken = spoken.strip()
        rec.add(m.group(0), spoken, "power")
        return f" {spoken} "


def _symbol_letters(base: str) -> str:
    """ "mc" (from "mc²") -> "m c": letters in a formula are each a symbol; "ten" (a number
    already said) stays."""
    if len(base) > 1 and not re.search("[aeiouy]", base, re.IGNORECASE):
        return " ".join(base)
    return base


def _power_words(exponent: str) -> str:
    """ "2" -> "squared", "3" -> "cubed", "-3" -> "to the power of minus three", "n" -> "to the
    power of n"."""
    if exponent in _SAID_POWERS:
        return _SAID_POWERS[exponent]
    magnitude = exponent.lstrip("-")
    sign = "minus " if magnitude != exponent else ""
    return f"to the power of {sign}{magnitude if magnitude == 'n' else number(magnitude)}"


symbol = SymbolRule()


@make_rule("hashtag", r"(?<![\w&])#(?=[A-Za-z])", requires="#")
def hashtag(m: re.Match[str], rec: Recorder) -> str:
    """ "#MeToo": "hashtag MeToo" (a "@jane_doe" handle is "at jane doe": the symbol rule says
    "at" and the underscore is a space). """
    rec.add("#", "hashtag", "symbol")
    return "hashtag "


@make_rule("slash", r"(?<=[a-z])/(?:or\b|(?=[a-z]))", requires="/")
def slash(m: re.Match[str], rec: Recorder) -> str:
    # "he/she" -> "he or she", "and/or" -> "and or": espeak would say "slash".
    rec.add(m.group(0), "or", "symbol")
    return " or "
