"""English numbers: telephone numbers, ratios, ordinals, fractions, ranges, plain numbers and
Roman numerals.

Each rule here runs only where :data:`audioessay.text.en.RULES` lists it.
"""

from __future__ import annotations

import re

from audioessay.text.en.context import NOT_NAMES, NUM, make_rule, word_after, word_before, word_set
from audioessay.text.en.spoken import (
    cardinal,
    digits,
    fraction,
    is_year,
    model_number,
    number,
    ordinal,
    version,
    whole_number,
    year,
)
from audioessay.text.lang_base import Recorder
from audioessay.text.numbers import roman_value

# Words after which "555-1234" is a telephone number, not the range "555 to 1,234".
PHONE_BEFORE = word_set("call calls called calling phone phoned phoning tel telephone dial dialled dialed "
                      "ring rang fax text number mobile cell hotline helpline")
_PHONE_GROUPS = re.compile(r"\d+")
# Emergency and service short codes ("dial 999"): digit by digit only after a word like "dial"
# or before one like "call" ("a 911 call"); "Porsche 911" and "999 points" stay numbers.
SHORT_CODES = ("911", "999", "112", "111", "101", "988", "000")
SHORT_CODE_AFTER = word_set("call calls caller callers emergency emergencies operator operators dispatcher "
                          "dispatchers service line number hotline")
# "text STOP to 80082": a five- or six-digit SMS short code after "to", with "text" before it.
_SMS_BEFORE = re.compile(r"(?i)\b(?:text|texts|texting|texted|txt|sms|send|sending)\b[^.!?]{0,40}\bto[ \t]+$")


@make_rule(
    "telephone number",
    r"(?<![\w.,/:+-])(?:"
    r"(?P<intl>\+\d{1,3}(?:[ \t.-]\(?\d{1,4}\)?){2,5})"  # +44 20 7946 0958
    r"|(?P<nanp>(?:1[ .-])?(?:\(\d{3}\)[ \t]?|\d{3}[-.])\d{3}[-.]\d{4})"  # (212) 555-1234, 212-555-1234
    r"|(?P<uk>(?:0\d{2,4}|\(0\d{2,4}\))[ \t]\d{3,6}(?:[ \t]\d{3,4})?)"  # 020 7946 0018, 07700 900123
    r"|(?P<local>\d{3}-\d{4})"  # 555-1234: only after "call", "phone"...
    r"|(?P<short>" + "|".join(SHORT_CODES) + r"|9-1-1)"  # 999: only after "dial" or before "call"
    r"|(?P<sms>\d{5,6})"  # 80082: only in "text ... to 80082"
    r")(?![\w-]|[.,]\d)",
)
def telephone_number(m: re.Match[str], rec: Recorder) -> str | None:
    """Digit by digit, a pause (comma) between the groups as written: "five five five, one two
    three four". Ranges and dates never look like these, except "555-1234", which is a phone
    number only after a word like "call" or "phone", short codes (999, 80082), which need their
    own context, and a UK number (leading 0), which must have ten or eleven digits."""
    text, before = m.string, word_before(m.string, m.start()).lower()
    if m.group("local") and before not in PHONE_BEFORE:
        return None
    if m.group("short") and before not in PHONE_BEFORE and word_after(text, m.end()).lower() not in SHORT_CODE_AFTER:
        return None
    if m.group("sms") and not _SMS_BEFORE.search(text, max(0, m.start() - 60), m.start()):
        return None
    groups = _PHONE_GROUPS.findall(m.group(0))
    if m.group("uk") and sum(map(len, groups)) not in (10, 11):
        return None
    if m.group("short") or m.group("sms"):
        spoken = digits(m.group(0))  # one group: "nine nine nine", "eight zero zero eight two"
    else:
        spoken = ", ".join(digits(group) for group in groups)
    if m.group("intl"):
        spoken = "plus " + spoken
    rec.add(m.group(0), spoken, "telephone number", attention=True)
    return spoken


@make_rule("ratio", rf"(?<![\w:.,])({NUM}):({NUM})(?![\d:]|[.,]\d)")
def ratio(m: re.Match[str], rec: Recorder) -> str:
    spoken = f"{number(m.group(1))} to {number(m.group(2))}"
    rec.add(m.group(0), spoken, "ratio")
    return spoken


@make_rule("ordinal range", r"(?<![\w.])(?P<a>\d{1,3})(?:st|nd|rd|th)[ \t]?[-–][ \t]?(?P<b>\d{1,3})(?:st|nd|rd|th)(?![\w])")
def ordinal_range(m: re.Match[str], rec: Recorder) -> str:
    """ "the 3rd-4th centuries": "the third to fourth". """
    spoken = f"{ordinal(int(m.group('a')))} to {ordinal(int(m.group('b')))}"
    rec.add(m.group(0), spoken, "range")
    return spoken


@make_rule("ordinal", r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th|ST|ND|RD|TH)(?![\w])")
def ordinal_number(m: re.Match[str], rec: Recorder) -> str:
    spoken = ordinal(int(m.group(1).replace(",", "")))
    rec.add(m.group(0), spoken, "ordinal")
    return spoken


# Fractions said as a phrase, not a ratio.
SET_PHRASES = {
    "24/7": "twenty-four seven",
    "9/11": "nine eleven",
    "50/50": "fifty-fifty",
    "20/20": "twenty-twenty",
}


@make_rule("fraction", r"(?<![\w./,])(?:(?P<w>\d{1,3})[ \t]+)?(?P<n>\d+)[/⁄](?P<d>\d+)(?![\w/]|[.,]\d)")
def fraction_number(m: re.Match[str], rec: Recorder) -> str:
    n, d = int(m.group("n")), int(m.group("d"))
    key = f"{m.group('n')}/{m.group('d')}"
    if key in SET_PHRASES:
        spoken = SET_PHRASES[key]
        if m.group("w"):
            spoken = f"{whole_number(m.group('w'))} {spoken}"
    elif m.group("w") and n < d:
        part = fraction(n, d)
        if n == 1 and part.startswith("one ") and " over " not in part:
            part = "a " + part[4:]  # "one and a half"
        spoken = f"{whole_number(m.group('w'))} and {part}"
    elif not m.group("w") and n + d == 100 and n % 10 == 0 and d % 10 == 0:
        spoken = f"{cardinal(n)}-{cardinal(d)}"  # "the 80/20 rule": a split, not four fifths
    else:
        spoken = fraction(n, d)
        if m.group("w"):
            spoken = f"{whole_number(m.group('w'))} {spoken}"
        elif n == 1 and spoken.startswith("one ") and " over " not in spoken:
            spoken = _a_part(spoken[4:], word_after(m.string, m.end()).lower()) or spoken
    rec.add(m.group(0), spoken, "fraction")
    return spoken


def _a_part(name: str, after: str) -> str | None:
    """ "1/2 a cup" -> "half a cup", "1/2 of it" -> "half of it", "1/4 of" -> "a quarter of"."""
    if name == "half" and after in ("a", "an", "the", "of", "that", "this", "my", "his", "her", "their", "our"):
        return "half"
    if after == "of":
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"  # "an eighth of"
    return None


SCORE_BEFORE = word_set("won lost beat beaten score scored finished ended drew trailed led leading trailing "
                      "winning losing defeated win wins lose loses beats draw draws")
_SCORE_AFTER = re.compile(
    r"(?:,[ \t]*\d{1,2}-\d{1,2})*[ \t]+(?:win|wins|victory|victories|defeat|defeats|loss|losses|lead|draw|"
    r"vote|votes|decision|majority|score|scoreline|result|thrashing|comeback|final|margin|split)\b")
PAGE_BEFORE = word_set("pages page pp p lines verses chapters sections columns folios")


@make_rule("range", rf"(?<![\w.,/:-])(?P<a>{NUM})(?:-|[ \t]?–[ \t]?|[ \t]-[ \t])(?P<b>{NUM})(?![\w-]|[.,:/]\d)")
def number_range(m: re.Match[str], rec: Recorder) -> str:
    a, b = m.group("a"), m.group("b")
    before = word_before(m.string, m.start())
    # "between 18-25" is "between eighteen and twenty-five", never "... to ...".
    joiner = "and" if before.lower() == "between" else "to"
    spoken = f"{number(a)} {joiner} {number(b)}"
    rule = "range"
    if before in MODEL_MAKERS and m.group(0) == f"{a}-{b}" and a.isdigit() and b.isdigit():
        spoken, rule = f"{model_number(a)} {model_number(b)}", "model"  # "Boeing 737-800"
    elif a == b and m.group(0) == f"{a}-{b}":
        spoken = f"{number(a)}-{number(b)}"  # "50-50", "a 1-1 draw": never "fifty to fifty"
    elif a.isdigit() and b.isdigit() and len(a) == 4 and is_year(int(a)):
        first, second = int(a), int(b)
        if len(b) == 2 and second > first % 100:
            second += first // 100 * 100  # "1939-45": to 1945
        if len(str(second)) == 4 and is_year(second) and second > first:
            spoken = f"{year(first)} {joiner} {year(second)}"
    elif a.isdigit() and b.isdigit() and int(b) < int(a) and len(a) <= 2 and joiner == "to" and (
            before.lower() in SCORE_BEFORE or _SCORE_AFTER.match(m.string, m.end())):
        # "a 3-2 win", "won 21-17", "a 6-4, 6-3 victory": scores, said "three-two". Without such a
        # word it stays "ten to six" (opening hours: "open 10-6").
        spoken, rule = f"{number(a)}-{number(b)}", "score"
    elif a.isdigit() and b.isdigit() and len(b) < len(a) and int(a[: len(a) - len(b)] + b) > int(a) \
            and before.lower() in PAGE_BEFORE:
        # "pp. 145-7" and "pages 45-7" are 145 to 147 and 45 to 47.
        spoken = f"{number(a)} to {number(a[: len(a) - len(b)] + b)}"
    rec.add(m.group(0), spoken, rule)
    return spoken


# Software and products whose numbers are versions: "Python 3.12" -> "three point twelve".
VERSIONED = word_set(
    "Python Java JavaScript TypeScript Ruby Perl PHP Rust Swift Kotlin Scala Node Django Rails React "
    "Angular Vue Flask Laravel iOS iPadOS macOS watchOS tvOS OS Android Windows Ubuntu Debian Fedora "
    "Linux Firefox Chrome Safari Excel Photoshop Unity Unreal Bluetooth USB HTTP HTML CSS TLS SSL "
    "IPv GPT ChatGPT Llama Gemini Claude Mistral Qwen Wi-Fi WiFi Web Minecraft Blender Git GNOME KDE "
    "OpenSSL CUDA LaTeX MySQL PostgreSQL SQLite Redis Kubernetes Docker Xcode Emacs Vim PyTorch "
    "TensorFlow NumPy pandas Jira Slack Zoom Figma"
)
VERSION_WORDS = word_set("version versions Version Versions release Release v V ver build firmware update patch")
# Makers whose numbers are model names: "Boeing 737" -> "seven thirty-seven".
MODEL_MAKERS = word_set(
    "Boeing Airbus Cessna Embraer Bombardier Tupolev Antonov Ilyushin Sukhoi Lockheed Douglas McDonnell "
    "Fokker Learjet Beechcraft Piper Porsche Peugeot Ferrari Fiat Saab Volvo BMW Audi Alfa Lancia Nokia "
    "Nikon Canon Leica Pentax Olympus Hasselblad Rolex Casio Yamaha Roland Korg Ducati Lamborghini "
    "Maserati Mercedes Renault Citroen Citroën Opel Lotus McLaren Bugatti Motorola Sinclair Atari Commodore "
    "Amiga Nintendo Intel AMD Nvidia NVIDIA GeForce RTX GTX Ryzen Radeon Xeon Pentium Model Type Mark Mk"
)
# A bare three-digit number before one of these (after "a" or "the") is an aircraft model:
# "the 747 jumbo"; a plural ("150 jets") is a count.
MODEL_AFTER = word_set("MAX Max jet jetliner airliner jumbo Dreamliner freighter")
_LETTERS_HYPHEN = re.compile(r"(?<![\w.-])[A-Z]{1,2}-$")  # "F-117", "MD-11"
_THREE_PART_VERSION = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}")


def is_model_context(text: str, start: int, end: int) -> bool:
    """Whether the number at text[start:end] names a model ("Boeing 737", "the 747 jumbo")."""
    before = word_before(text, start)
    if before in MODEL_MAKERS or _LETTERS_HYPHEN.search(text, max(0, start - 4), start):
        return True
    return before.lower() in ("a", "the") and word_after(text, end) in MODEL_AFTER


@make_rule(
    "cardinal",
    r"(?<![\w.,])(?P<neg>-(?=[\d.]))?(?P<n>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)*|\.\d+)(?![\w]|\.\d)",
)
def cardinal_number(m: re.Match[str], rec: Recorder) -> str:
    """A plain number; after a product word a version ("Python 3.12" -> "three point twelve")
    or a model ("Boeing 737" -> "seven thirty-seven"); "3.11.7" is always a version."""
    text, n = m.string, m.group("n")
    before = word_before(text, m.start())
    rule = "cardinal"
    if not m.group("neg") and "." in n[1:] and (
        before in VERSIONED or before in VERSION_WORDS or _THREE_PART_VERSION.fullmatch(n)
    ):
        spoken, rule = version(n), "version"
    elif not m.group("neg") and n.isdigit() and 3 <= len(n) <= 4 and is_model_context(text, m.start(), m.end()):
        spoken, rule = model_number(n), "model"
    else:
        spoken = number(m.group(0))
    rec.add(m.group(0), spoken, rule)
    return spoken


# "A380", "F-117", "GTX1080": letters and a model number.
_GLUED_MODEL = re.compile(r"(?<![\w.])[A-Z]{1,3}-?$")


@make_rule("glued number", r"(?:(?<![\w.])(?P<v>[vV])(?=\d+\.\d))?\d+(?:\.\d+)*")
def glued_number(m: re.Match[str], rec: Recorder) -> str:
    # Digits touching letters ("MP3", "B2B", "3D"): read them now, apart from the letters,
    # so the initialism rule below sees "MP" on its own. "v2.0" is a version, "A380" a model.
    text, start, end = m.string, m.start(), m.end()
    token, rule = m.group(0), "cardinal"
    before = " " if start and text[start - 1].isalnum() else ""
    after = " " if end < len(text) and text[end].isalnum() else ""
    if m.group("v"):
        spoken, rule = f"version {version(token[1:])}", "version"
    elif token.isdigit() and len(token) in (3, 4) and not after and _GLUED_MODEL.search(text, max(0, start - 4), start):
        spoken, rule = model_number(token), "model"
    else:
        spoken = number(token)
    rec.add(token, spoken, rule)
    return before + spoken + after


# Words after which a Roman numeral is a plain number ("Part III" -> "Part three").
NUMBER_CONTEXT = word_set(
    "part chapter book volume act scene section article phase stage level type class title "
    "episode season series appendix annex psalm canto mark apollo vatican bowl war grade "
    "category tier round division rule clause schedule table plate figure"
)
# Said with a capital ("World War Two"): the numeral is part of a proper name.
PROPER_NUMBER_CONTEXT = frozenset({"War"})
# Given names of monarchs and popes: "Henry VIII" -> "Henry the Eighth".
REGNAL_NAMES = word_set(
    "Henry Edward George William Elizabeth Louis Charles James Richard John Paul Pius Leo "
    "Benedict Gregory Innocent Clement Urban Boniface Alexander Nicholas Peter Catherine "
    "Frederick Philip Ferdinand Isabella Mary Anne Victoria Napoleon Ramesses Ptolemy "
    "Cleopatra Constantine Justinian Otto Alfonso Carlos Juan Felipe Gustav Gustavus "
    "Christian Haakon Olaf Harald Wilhelm Ludwig Friedrich Karl Franz Rudolf Joseph Leopold "
    "Victor Umberto Ivan Mehmed Suleiman Selim Murad Rama David Robert Stephen Edmund Harold "
    "Henri Francis Pedro Manuel Sebastian Martin Sixtus Julius Adrian Hadrian Eugene "
    "Celestine Honorius Darius Xerxes Cyrus Thutmose Amenhotep Albert Baudouin Willem "
    "Margrethe Carl Gustaf Sancho Alexios Basil Michael Theodore Constantius Valentinian "
    "Theodosius Antiochus Seleucus Herod Agrippa Tiglath Shalmaneser Sargon Nebuchadnezzar "
    "Benedetto Innocenzo Juliana Beatrix Wilhelmina Olav Magnus Valdemar Erik Eric Sigismund "
    "Casimir Vladislaus Wladyslaw Boleslaw Mieszko Kamehameha Rainier Hussein Abdullah Faisal"
)


# Roman-valid words that are English words: never numerals.
ROMAN_LOOKING_WORDS = word_set("MIX DIV CIV LIV DIX")
# Roman-valid tokens more often something else (initialisms, sizes): numerals only after a
# word like "Chapter" or "Bowl" ("Super Bowl XL").
AMBIGUOUS_ROMAN = word_set("DC CD MD CV CC MC MI LI DI CI CL DL ML XL XX XXX MM CM")


# A well-formed Roman numeral in capitals (the initialism rule leaves these alone too).
VALID_ROMAN = re.compile(r"M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


class RomanRule:
    """Roman numerals that are numbers: "World War II", "Henry VIII", "Part III"."""

    name = "roman"
    pattern = re.compile(r"(?<![\w'’-])([IVXLCDM]+)(?![\w-])")
    _valid = VALID_ROMAN
    _single_letter_ok = frozenset("IVX")  # a lone L, C, D or M is more often a letter
    _after_first = re.compile(r"[ \t]*(?:$|[^\w \t]|of\b|and\b)")
    _world_war = re.compile(r"\bWorld[ \t]+War[ \t]+$")

    def apply(self, text: str, rec: Recorder) -> str:
        if not any(c in text for c in "IVXLCDM"):
            return text
        return self.pattern.sub(lambda m: self._say(m, rec), text)

    def _say(self, m: re.Match[str], rec: Recorder) -> str:
        token, text = m.group(1), m.string
        if not self._valid.fullmatch(token):
            return token
        if token in ROMAN_LOOKING_WORDS:
            rec.add(token, token, "roman", attention=True)
            return token
        before = word_before(text, m.start())
        after = word_after(text, m.end())
        # Part of a spelled-out run of letters ("B C D"), not a numeral.
        if any(len(w) == 1 and w.isupper() and w not in "AI" for w in (before, after)):
            return token
        value = roman_value(token)
        single_ok = len(token) > 1 or token in self._single_letter_ok
        # "I" is the pronoun unless only punctuation, "of", "and" or "'s" follows
        # ("Elizabeth I of England", "Part I."), or it is World War I.
        maybe_pronoun = token == "I" and not self._after_first.match(text, m.end())
        if maybe_pronoun and self._world_war.search(text, max(0, m.start() - 20), m.start()):
            maybe_pronoun = False
        # Lowercase "part" or "war" before "I" is prose ("the war I saw"), so a lowercase
        # context word only counts for longer numerals ("part II").
        context = before.lower() in NUMBER_CONTEXT and (before[:1].isupper() or len(token) > 1)
        if context and single_ok and not maybe_pronoun:
            spoken = cardinal(value)
            if before in PROPER_NUMBER_CONTEXT:
                spoken = spoken.title()
            attention = False
        elif before in REGNAL_NAMES and single_ok and not maybe_pronoun:
            spoken, attention = "the " + ordinal(value).title(), False
        elif (
            len(token) > 1
            and token not in AMBIGUOUS_ROMAN
            and before[:1].isupper()
            and before.isalpha()
            and before not in NOT_NAMES
        ):
            spoken, attention = cardinal(value), True  # "Rocky II"; an unknown king would be wrong
        else:
            # Left as written. The pronoun "I" is no question unless it follows a word that
            # could take a numeral ("Part I is", "Henry I was").
            if token != "I" or (context or before in REGNAL_NAMES):
                rec.add(token, token, "roman", attention=True)
            return token
        rec.add(token, spoken, "roman", attention)
        return spoken


roman_numeral = RomanRule()
