"""English: the words and rules that turn written English into what espeak-ng should say.

Conventions (chosen once, so the narration is consistent):

* Numbers are said without "and" or pauses: 1,205 -> "one thousand two hundred five",
  2005 -> "two thousand five" (num2words writes the British "and"; we drop it).
* Decimals are read digit by digit after "point": 2.50 -> "two point five zero".
* Years: 1939 -> "nineteen thirty-nine", 1905 -> "nineteen oh five", 1900 -> "nineteen hundred".
* Units use British spelling (kilometre, metre, litre, tonne), matching espeak-ng's default
  British English voice; singular only for exactly 1 ("1 km" -> "one kilometre").
* Letters are joined with hyphens: AI -> "A-I", BBC -> "B-B-C", AIs -> "A-I's",
  a.m. -> "a-m". espeak-ng reads a lone "A" followed by another word as the article "uh",
  so "A I" would be said "uh eye"; "A-I" is said "ay eye". Change ``LETTER_JOINER`` to
  alter this everywhere. An A *inside* the letters ("F-A-Q") is still "uh" to espeak-ng: the
  espeak engines are handed "F-eh-Q" (voice.engine.engine_text), while the script keeps "F-A-Q".
* Currency: "$3.50" -> "three dollars and fifty cents", "€5m" -> "five million euros".
* Dates: "14 July 2024" -> "the fourteenth of July, twenty twenty-four";
  "July 14, 2024" and "2025-03-14" -> "July fourteenth, twenty twenty-four" style.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from num2words import num2words

from audioessay.text.lang_base import Handler, Language, Recorder, Rule, TextRule
from audioessay.text.numbers import roman_value

LETTER_JOINER = "-"


def _words(text: str) -> frozenset[str]:
    """A word list written as one string (tables read better that way)."""
    return frozenset(text.split())


# ---------------------------------------------------------------------------------------
# Number words (all from num2words; we only tidy its punctuation)
# ---------------------------------------------------------------------------------------

_DIGIT_WORDS = tuple(num2words(d, lang="en") for d in range(10))
_LONGEST_CARDINAL = 15  # longer digit runs (IDs, phone numbers) are read digit by digit


def _tidy(words: str) -> str:
    # num2words writes "one thousand, two hundred and five" and "nineteen oh-five":
    # commas would make espeak pause, and we say numbers without "and" (see module doc).
    return words.replace(",", "").replace(" and ", " ").replace("oh-", "oh ")


def digits(text: str) -> str:
    """Digit by digit: "007" -> "zero zero seven"."""
    return " ".join(_DIGIT_WORDS[int(c)] for c in text if c.isdigit())


def cardinal(n: int) -> str:
    """12 -> "twelve", -3 -> "minus three"."""
    if n < 0:
        return "minus " + cardinal(-n)
    return _tidy(num2words(n, lang="en"))


def _whole(text: str) -> str:
    """Words for an unsigned digit string with optional thousands separators."""
    plain = text.replace(",", "")
    if (len(plain) > 1 and plain[0] == "0") or len(plain) > _LONGEST_CARDINAL:
        return digits(plain)
    return cardinal(int(plain))


def number(text: str) -> str:
    """Words for a written number: "1,200" "2.5" "-3" ".5" "3.11.7" (a version)."""
    sign = ""
    if text[:1] in "-\u2212":
        sign, text = "minus ", text[1:]
    whole, *fractions = text.split(".")
    words = _whole(whole) if whole else ""
    for part in fractions:
        words = f"{words} point {digits(part)}" if words else f"point {digits(part)}"
    return sign + words


def counted(n: int, one: str, many: str) -> str:
    """ "one foot", "six feet": the number in words and the noun that agrees with it. """
    return f"{cardinal(n)} {one if n == 1 else many}"


def ordinal(n: int) -> str:
    """21 -> "twenty-first"."""
    return _tidy(num2words(n, lang="en", to="ordinal"))


def year(n: int) -> str:
    """1939 -> "nineteen thirty-nine", 2005 -> "two thousand five", 2024 -> "twenty twenty-four"."""
    return _tidy(num2words(n, lang="en", to="year"))


def plural(words: str) -> str:
    """Pluralize the last word of a number: "nineteen sixty" -> "nineteen sixties"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith(("x", "s")):
        return words + "es"
    return words + "s"


def spell(letters: str) -> str:
    """Letters said one by one: "BBC" -> "B-B-C"."""
    return LETTER_JOINER.join(letters.upper())


# ---------------------------------------------------------------------------------------
# Word tables
# ---------------------------------------------------------------------------------------

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7,
    "Aug": 8, "Sep": 9, "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(MONTHS)} | MONTH_ABBREVIATIONS

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
    "Univ.": "University", "Ph.D.": "P-H-D", "PhD": "P-H-D", "PhDs": "P-H-D's",
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

# Sentence splitting: abbreviations that never end a sentence, and ones that end it only
# when the next word is a usual sentence opener ("... etc. The next day").
NEVER_SENTENCE_END = _words(
    "Mr Mrs Ms Mx Dr Prof Rev Hon Gen Col Capt Lt Sgt Gov Sen Rep Pres Fr Mt Ft "
    "e.g i.e vs v cf viz approx ca a.k.a incl esp E.g I.e Vs Cf Approx"
)
BEFORE_NUMBER_STEMS = frozenset(k.rstrip(".") for k in BEFORE_NUMBER) | {"approx", "Approx", "No", "no"}
SENTENCE_STARTERS = _words(
    "The A An This That These Those It Its He She They We I You There Then But And So Yet Or "
    "In On At As After Before When While If Although Though However Meanwhile My His Her Our "
    "Their Your What Why How Who Where Which One Some Many Most All Each Every No Not Now "
    "Today Still Also Even For From By With Without To Of Here Once Later Soon Finally "
    "Because Since Until Unlike Like Instead Thus Therefore Indeed Perhaps Maybe Yes Please "
    "Let Did Do Does Is Was Are Were Can Could Will Would Should Must Have Has Had"
)

# Pronounced as words, so never spelled out.
ACRONYMS = _words(
    "NASA NATO UNESCO UNICEF LASER RADAR SONAR SCUBA OPEC FIFA UEFA NAFTA AIDS COVID GIF "
    "JPEG PIN SIM ISIS SWAT NIMBY YOLO FOMO OK TED LEGO IKEA ZIP RAM ROM WASP POTUS SCOTUS "
    "FLOTUS DARPA NORAD CERN BAFTA MOMA UNIX LAN WAN NASDAQ ASCII DOS OSHA FEMA ICE MERS "
    "SARS NOAA OLED GOAT ANZAC QANTAS EPCOT BASIC COBOL"
)
# All-caps emphasis ("I do NOT agree"): said as the word, never spelled.
EMPHASIS_WORDS = _words(
    "NOT NO YES AND OR THE BUT ALL NEVER EVER VERY MUST WILL CAN DO DID DOES HAVE HAS WAS "
    "WERE ARE IS BE THIS THAT WHAT WHY HOW WHO YOU ME MY HE SHE WE THEY HIS HER OUR NOW STOP "
    "HELP LOVE WOW HATE REALLY ONLY JUST SO TOO ONE TWO"
)
# Words after which a Roman numeral is a plain number ("Part III" -> "Part three").
NUMBER_CONTEXT = _words(
    "part chapter book volume act scene section article phase stage level type class title "
    "episode season series appendix annex psalm canto mark apollo vatican bowl war grade "
    "category tier round division rule clause schedule table plate figure"
)
# Said with a capital ("World War Two"): the numeral is part of a proper name.
PROPER_NUMBER_CONTEXT = frozenset({"War"})
# Given names of monarchs and popes: "Henry VIII" -> "Henry the Eighth".
REGNAL_NAMES = _words(
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
# Capitalized words after which a numeral is never a regnal or sequel number.
_NOT_NAMES = _words(
    "The A An And But Or In On At Of To For With By From As If So Then This That These Those "
    "It I We You He She They My His Her Our Their Its Is Was Are Were Be Been Do Did"
)
# Roman-valid words that are English words: never numerals.
ROMAN_LOOKING_WORDS = _words("MIX DIV CIV LIV DIX")
# Roman-valid tokens more often something else (initialisms, sizes): numerals only after a
# word like "Chapter" or "Bowl" ("Super Bowl XL").
AMBIGUOUS_ROMAN = _words("DC CD MD CV CC MC MI LI DI CI CL DL ML XL XX XXX MM CM")

# Year context: a 4-digit number after these words is a year.
YEAR_BEFORE = _words(
    "in since by until till during circa from summer winter spring autumn fall early late "
    "mid year c ca before after of"
)
# ...and after these it is a count.
COUNT_BEFORE = _words(
    "about approximately over under nearly almost some than exactly only just roughly total "
    "additional another extra least most more fewer top"
)
_NOT_PLURAL_NOUNS = _words("is was has as its this us thus plus his does goes always towards whereas yes")

UNITS: dict[str, tuple[str, str]] = {
    "km": ("kilometre", "kilometres"), "m": ("metre", "metres"), "cm": ("centimetre", "centimetres"),
    "mm": ("millimetre", "millimetres"), "km2": ("square kilometre", "square kilometres"),
    "m2": ("square metre", "square metres"), "cm2": ("square centimetre", "square centimetres"),
    "m3": ("cubic metre", "cubic metres"), "cm3": ("cubic centimetre", "cubic centimetres"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "t": ("tonne", "tonnes"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"), "ml": ("millilitre", "millilitres"), "mL": ("millilitre", "millilitres"),
    "L": ("litre", "litres"), "ft": ("foot", "feet"), "yd": ("yard", "yards"),
    "°C": ("degree Celsius", "degrees Celsius"), "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"), "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometre per hour", "kilometres per hour"), "kph": ("kilometre per hour", "kilometres per hour"),
    "kW": ("kilowatt", "kilowatts"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "MW": ("megawatt", "megawatts"), "GW": ("gigawatt", "gigawatts"), "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"), "GHz": ("gigahertz", "gigahertz"),
    "KB": ("kilobyte", "kilobytes"), "kB": ("kilobyte", "kilobytes"), "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"), "ms": ("millisecond", "milliseconds"),
    "min": ("minute", "minutes"), "mins": ("minute", "minutes"), "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "yr": ("year", "years"), "yrs": ("year", "years"), "ha": ("hectare", "hectares"),
    "bn": ("billion", "billion"), "ppm": ("part per million", "parts per million"),
    "tbsp": ("tablespoon", "tablespoons"), "tsp": ("teaspoon", "teaspoons"),
    "pts": ("point", "points"),
}  # fmt: skip
# "5m people": m is million, not metres, before a word like these.
_MILLION_NOUNS = _words(
    "people views users subscribers viewers copies votes fans followers downloads customers "
    "visitors jobs homes households residents deaths cases readers listeners players "
    "children adults workers members tonnes barrels miles"
)

# symbol -> (one, many, one of the hundredth unit, many of it); None: no hundredth unit.
CURRENCIES: dict[str, tuple[str, str, str | None, str | None]] = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", None, None),
    "₹": ("rupee", "rupees", "paisa", "paise"),
}
MAGNITUDES = {
    "thousand": "thousand", "k": "thousand", "K": "thousand", "million": "million", "m": "million",
    "billion": "billion", "bn": "billion", "trillion": "trillion", "tn": "trillion",
}  # fmt: skip
# Fractions said as a phrase, not a ratio.
SET_PHRASES = {
    "24/7": "twenty-four seven",
    "9/11": "nine eleven",
    "50/50": "fifty-fifty",
    "20/20": "twenty-twenty",
}
_FRACTION_DENOMINATORS = frozenset({2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20, 32, 64, 100, 1000})

SYMBOL_WORDS = {
    "&": "and", "+": "plus", "=": "equals", "@": "at", "%": "percent", "°": "degrees",
    "×": "times", "÷": "divided by", "±": "plus or minus", "≈": "approximately",
    "≠": "does not equal", "∞": "infinity", "§": "section",
}  # fmt: skip
BEFORE_NUMBER_SYMBOLS = {
    "~": "about",
    "≈": "approximately",
    "<": "less than",
    ">": "more than",
    "≤": "at most",
    "≥": "at least",
}


# ---------------------------------------------------------------------------------------
# Context helpers
# ---------------------------------------------------------------------------------------

_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*?)\.?[ \t(\"“‘'-]*$")
_WORD_AFTER = re.compile(r"[ \t]*([A-Za-z][A-Za-z'’.]*)")
_SENTENCE_TAIL = re.compile(r"[\s\"'’”)\]»]*$")
_WINDOW = 40  # characters of context looked at; words are short


def word_before(text: str, pos: int) -> str:
    """The word just before ``pos`` (skipping spaces and opening quotes), or ""."""
    m = _WORD_BEFORE.search(text, max(0, pos - _WINDOW), pos)
    return m.group(1) if m else ""


def word_after(text: str, pos: int) -> str:
    """The word just after ``pos`` (skipping spaces), or ""."""
    m = _WORD_AFTER.match(text, pos)
    return m.group(1).rstrip(".") if m else ""


def ends_sentence(text: str, pos: int) -> bool:
    """True when only closing quotes, brackets or spaces follow ``pos``."""
    return _SENTENCE_TAIL.match(text, pos) is not None


def _is_plural_noun(word: str) -> bool:
    return len(word) > 2 and word.islower() and word.endswith("s") and word not in _NOT_PLURAL_NOUNS


def _month_name(token: str) -> str:
    return MONTHS[_MONTH_NUMBER[token] - 1]


# ---------------------------------------------------------------------------------------
# Rules, in the order they run
# ---------------------------------------------------------------------------------------

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_ORD = r"(?:st|nd|rd|th)?"
_MONTH = (
    r"\b(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?![A-Za-z])(?P<mdot>\.)?"
)
_rules: list[TextRule] = []


_DIGITS = "0123456789"


def _rule(name: str, pattern: str, requires: str = _DIGITS) -> Callable[[Handler], Handler]:
    """Register the decorated handler as a rule (rules run in definition order).

    ``requires``: characters one of which the pattern needs (by default a digit).
    """

    def register(handler: Handler) -> Handler:
        _rules.append(Rule(name, re.compile(pattern), handler, requires))
        return handler

    return register


def _month_dot(m: re.Match[str]) -> str:
    # A period after a full month name is sentence punctuation; after "Jan." it is part of
    # the abbreviation and kept only at the end of the sentence.
    if not m.group("mdot"):
        return ""
    if m.group("mon") in MONTHS or ends_sentence(m.string, m.end()):
        return "."
    return ""


# Words after which "555-1234" is a telephone number, not the range "555 to 1,234".
PHONE_BEFORE = _words("call calls called calling phone phoned phoning tel telephone dial dialled dialed "
                      "ring rang fax text number mobile cell hotline helpline")
_PHONE_GROUPS = re.compile(r"\d+")


@_rule(
    "telephone number",
    r"(?<![\w.,/:+-])(?:"
    r"(?P<intl>\+\d{1,3}(?:[ \t.-]\(?\d{1,4}\)?){2,5})"  # +44 20 7946 0958
    r"|(?P<nanp>(?:1[ .-])?(?:\(\d{3}\)[ \t]?|\d{3}[-.])\d{3}[-.]\d{4})"  # (212) 555-1234, 212-555-1234
    r"|(?P<local>\d{3}-\d{4})"  # 555-1234: only after "call", "phone"...
    r")(?![\w-]|[.,]\d)",
)
def _telephone(m: re.Match[str], rec: Recorder) -> str | None:
    """Digit by digit, a pause (comma) between the groups as written: "five five five, one two
    three four". Ranges and dates never look like these, except "555-1234", which is a phone
    number only after a word like "call" or "phone"."""
    if m.group("local") and word_before(m.string, m.start()).lower() not in PHONE_BEFORE:
        return None
    spoken = ", ".join(digits(group) for group in _PHONE_GROUPS.findall(m.group(0)))
    if m.group("intl"):
        spoken = "plus " + spoken
    rec.add(m.group(0), spoken, "telephone number", attention=True)
    return spoken


@_rule("iso date", r"(?<![\w.-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
def _iso_date(m: re.Match[str], rec: Recorder) -> str | None:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    spoken = f"{MONTHS[mo - 1]} {ordinal(d)}, {year(y)}"
    rec.add(m.group(0), spoken, "date")
    return spoken


@_rule("numeric date", r"(?<![\w./])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\w/]|\.\d)")
def _numeric_date(m: re.Match[str], rec: Recorder) -> str | None:
    a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
    if a > 12 and 1 <= b <= 12:
        day, mo, unsure = a, b, False
    elif b > 12 and 1 <= a <= 12:
        day, mo, unsure = b, a, False
    elif 1 <= a <= 12 and 1 <= b <= 12:
        day, mo, unsure = a, b, a != b  # day/month is the British reading; could be US
    else:
        return None
    if not 1 <= day <= 31:
        return None
    full_year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 50 else 1900 + int(y))
    spoken = f"{MONTHS[mo - 1]} {ordinal(day)}, {year(full_year)}"
    rec.add(m.group(0), spoken, "date", attention=unsure or len(y) == 2)
    return spoken


@_rule(
    "day month",
    rf"(?<![\w.,/-])(?P<d1>\d{{1,2}}){_ORD}(?:[ \t]?[-–][ \t]?(?P<d2>\d{{1,2}}){_ORD})?[ \t]+(?:of[ \t]+)?"
    rf"{_MONTH}(?:,?[ \t]+(?P<y>\d{{4}})(?!\d))?",
)
def _day_month(m: re.Match[str], rec: Recorder) -> str | None:
    d1, d2 = int(m.group("d1")), int(m.group("d2") or 1)
    if not (1 <= d1 <= 31 and 1 <= d2 <= 31):
        return None
    # "on the 14th of July": the article is already there.
    the = "" if word_before(m.string, m.start()).lower() == "the" else "the "
    spoken = the + ordinal(d1)
    if m.group("d2"):
        spoken += f" to the {ordinal(d2)}"
    spoken += f" of {_month_name(m.group('mon'))}"
    if m.group("y"):
        spoken += f", {year(int(m.group('y')))}"
    rec.add(m.group(0), spoken, "date")
    # Without a year the match may end in "July." or "Jan." (see _month_dot).
    return spoken if m.group("y") else spoken + _month_dot(m)


@_rule(
    "month day",
    rf"{_MONTH}[ \t]+(?P<d1>\d{{1,2}}){_ORD}(?:[ \t]?[-–][ \t]?(?P<d2>\d{{1,2}}){_ORD})?"
    rf"(?![\w%:]|[.,]\d)(?:,?[ \t]+(?P<y>\d{{4}})(?![\w]|[.,]\d))?",
)
def _month_day(m: re.Match[str], rec: Recorder) -> str | None:
    d1, d2 = int(m.group("d1")), int(m.group("d2") or 1)
    if not (1 <= d1 <= 31 and 1 <= d2 <= 31):
        return None
    spoken = f"{_month_name(m.group('mon'))} {ordinal(d1)}"
    if m.group("d2"):
        spoken += f" to {ordinal(d2)}"
    if m.group("y"):
        spoken += f", {year(int(m.group('y')))}"
    rec.add(m.group(0), spoken, "date")
    return spoken


@_rule("month year", rf"{_MONTH},?[ \t]+(?P<y>\d{{4}})(?![\w]|[.,]\d)")
def _month_year(m: re.Match[str], rec: Recorder) -> str:
    spoken = f"{_month_name(m.group('mon'))} {year(int(m.group('y')))}"
    rec.add(m.group(0), spoken, "date")
    return spoken


_AMPM = r"(?:[ \t]?(?P<ap>[AaPp])\.?[ \t]?[Mm](?P<apdot>\.)?(?![A-Za-z]))"


def _ampm(m: re.Match[str]) -> str:
    ap = m.group("ap")
    if not ap:
        return ""
    # The period of "p.m." also ends the sentence when nothing follows.
    dot = "." if m.group("apdot") and ends_sentence(m.string, m.end()) else ""
    return f" {ap.lower()}{LETTER_JOINER}m{dot}"


@_rule("time range", r"(?:(?<=[AaPp][Mm])|(?<=[AaPp]\.[Mm]))\.?[ \t]?[-–][ \t]?(?=\d{1,2}(?:[:.]\d{2})?[ \t]?[AaPp]\.?[Mm])")
def _time_range(m: re.Match[str], rec: Recorder) -> str:
    """ "9am-5pm": the dash between two times is "to". """
    rec.add(m.group(0), "to", "range")
    return (". " if m.group(0).startswith(".") else " ") + "to "


def _time_words(h: int, mins: int, secs: int, ap: bool) -> str:
    if mins == 0:
        if ap:
            spoken = cardinal(h)
        elif h == 0:
            spoken = "midnight"
        elif h <= 12:
            spoken = f"{cardinal(h)} o'clock"
        else:
            spoken = f"{cardinal(h)} hundred"
    elif mins < 10:
        spoken = f"{cardinal(h)} oh {cardinal(mins)}"
    else:
        spoken = f"{cardinal(h)} {cardinal(mins)}"
    if secs:
        spoken += f" and {counted(secs, 'second', 'seconds')}"
    return spoken


@_rule(
    "clock time", rf"(?<![\w:.,])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?(?![\d:]|[.,]\d){_AMPM}?"
)
def _clock_time(m: re.Match[str], rec: Recorder) -> str | None:
    h, mins = int(m.group("h")), int(m.group("m"))
    if h > 24 or mins > 59:
        return None  # not a time; the ratio rule reads it
    spoken = _time_words(h, mins, int(m.group("s") or 0), bool(m.group("ap"))) + _ampm(m)
    rec.add(m.group(0), spoken, "time")
    return spoken


@_rule("dotted time", rf"(?<![\w:.,])(?P<h>\d{{1,2}})\.(?P<m>\d{{2}}){_AMPM}")
def _dotted_time(m: re.Match[str], rec: Recorder) -> str | None:
    """ British "3.30pm": a time only with am or pm after it (else it is a decimal). """
    h, mins = int(m.group("h")), int(m.group("m"))
    if not (1 <= h <= 12 and mins <= 59):
        return None
    spoken = _time_words(h, mins, 0, True) + _ampm(m)
    rec.add(m.group(0), spoken, "time")
    return spoken


@_rule("hour am/pm", rf"(?<![\w:.,])(?P<h>\d{{1,2}}){_AMPM}")
def _hour_ampm(m: re.Match[str], rec: Recorder) -> str | None:
    h = int(m.group("h"))
    if not 1 <= h <= 12:
        return None
    spoken = cardinal(h) + _ampm(m)
    rec.add(m.group(0), spoken, "time")
    return spoken


@_rule("ratio", rf"(?<![\w:.,])({_NUM}):({_NUM})(?![\d:]|[.,]\d)")
def _ratio(m: re.Match[str], rec: Recorder) -> str:
    spoken = f"{number(m.group(1))} to {number(m.group(2))}"
    rec.add(m.group(0), spoken, "ratio")
    return spoken


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
# These are expanded before a Roman numeral too ("vol. II" -> "volume II", which the Roman rule
# then reads "volume two"); never "No." ("No. I won't"), "p." or "c.".
_BEFORE_ROMAN = frozenset({"vol.", "Vol.", "vols.", "ch.", "Ch.", "chap.", "sec.", "Sec.", "fig.", "Fig."})
_ROMAN_NEXT = re.compile(r"[ \t]*[IVXLC]+(?![\w])")
_ABBREVIATION_KEYS = sorted(
    set(_ALWAYS) | set(TITLES_WITHOUT_PERIOD) | set(BEFORE_NUMBER) | {"St.", "St", "Dr.", "v."},
    key=len,
    reverse=True,
)


@_rule("abbreviation", r"(?<![\w.])(?:" + "|".join(map(re.escape, _ABBREVIATION_KEYS)) + r")(?!\w)", requires="")
def _abbreviation(m: re.Match[str], rec: Recorder) -> str | None:
    token, text = m.group(0), m.string
    after = word_after(text, m.end())
    before = word_before(text, m.start())
    name_follows = after[:1].isupper()
    attention = False
    if token in ("St.", "St"):
        # Saint before a name ("St. Paul"), Street after one ("Baker St.").
        name_before = before[:1].isupper() and before not in _NOT_NAMES
        if token == "St" and not name_follows:
            return None
        spoken = "Saint" if name_follows else "Street"
        attention = name_follows == name_before  # both or neither: a guess
    elif token == "Dr.":
        name_before = before[:1].isupper() and before not in _NOT_NAMES
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
    if token.endswith(".") and ends_sentence(text, m.end()):
        spoken += "."
    rec.add(token, spoken, "abbreviation", attention)
    return spoken


@_rule("dotted initialism", r"(?<![\w.])[A-Za-z](?:\.[A-Za-z])+\.?(?![\w])", requires=".")
def _dotted(m: re.Match[str], rec: Recorder) -> str:
    token = m.group(0)
    spoken = spell(token.replace(".", ""))
    if token.endswith(".") and ends_sentence(m.string, m.end()):
        spoken += "."
    rec.add(token, spoken, "initialism")
    return spoken


@_rule("initials", r"(?<![\w.])[A-Z]\.(?:[ \t]?[A-Z]\.)*(?=[ \t]+[A-Z])", requires=".")
def _initials(m: re.Match[str], rec: Recorder) -> str:
    # "J. R. R. Tolkien": the periods would make espeak end the sentence.
    spoken = spell("".join(c for c in m.group(0) if c.isupper()))
    rec.add(m.group(0), spoken, "initialism")
    return spoken


@_rule("unknown abbreviation", r"(?<![\w.])([A-Za-z]{1,6})\.(?=[ \t]+[a-z])", requires=".")
def _unknown_abbreviation(m: re.Match[str], rec: Recorder) -> None:
    # A period followed by a lowercase word inside one sentence is an abbreviation we do
    # not know; leave it, but ask a person.
    rec.add(m.group(0), m.group(0), "abbreviation", attention=True)


@_rule("symbol before number", r"(?P<s>[~≈<>≤≥])[ \t]?(?=-?\d|[$£€¥₹]\d)")
def _symbol_before_number(m: re.Match[str], rec: Recorder) -> str:
    spoken = BEFORE_NUMBER_SYMBOLS[m.group("s")] + " "
    rec.add(m.group(0), spoken.strip(), "symbol")
    return spoken


@_rule("number sign", r"(?<!\w)#[ \t]?(?=\d)")
def _number_sign(m: re.Match[str], rec: Recorder) -> str:
    rec.add("#", "number", "symbol")
    return "number "


def _money(amount: str, currency: tuple[str, str, str | None, str | None]) -> str:
    one, many, sub_one, sub_many = currency
    whole, _, cents_text = amount.replace(",", "").partition(".")
    if cents_text and (len(cents_text) > 2 or sub_one is None):
        return f"{number(amount)} {many}"
    cents = int(cents_text.ljust(2, "0")) if cents_text else 0
    units = int(whole) if whole else 0
    parts = []
    if units or not cents:
        parts.append(f"{_whole(whole or '0')} {one if units == 1 else many}")
    if cents:
        parts.append(f"{cardinal(cents)} {sub_one if cents == 1 else sub_many}")
    return " and ".join(parts)


# ISO codes written before or after an amount ("USD 300", "250 GBP"), said as the currency.
CURRENCY_CODES: dict[str, tuple[str, str, str | None, str | None]] = {
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "JPY": ("yen", "yen", None, None),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "CNY": ("yuan", "yuan", None, None),
    "INR": ("rupee", "rupees", "paisa", "paise"),
}
_CODE = "(?P<code>" + "|".join(CURRENCY_CODES) + ")"
_CODE_MAG = r"(?:[ \t]?(?P<mag>thousand|million|billion|trillion|bn|tn|m|k|K)(?![\w]))?"


@_rule(
    "currency code",
    rf"(?<![\w.])(?:{_CODE}[ \t]?(?P<a>{_NUM}){_CODE_MAG}"
    rf"|(?P<a2>{_NUM}){_CODE_MAG.replace('mag', 'mag2')}[ \t]?(?P<code2>"
    # After a number "CAD" is as often computer-aided design ("2 CAD drawings"): only before one.
    + "|".join(c for c in CURRENCY_CODES if c != "CAD") + r"))(?![\w]|[.,]\d)",
)
def _currency_code(m: re.Match[str], rec: Recorder) -> str:
    code, amount, mag = (m.group("code"), m.group("a"), m.group("mag")) if m.group("code") else \
        (m.group("code2"), m.group("a2"), m.group("mag2"))
    currency = CURRENCY_CODES[code]
    spoken = f"{number(amount)} {MAGNITUDES[mag]} {currency[1]}" if mag else _money(amount, currency)
    rec.add(m.group(0), spoken, "currency")
    return spoken


@_rule(
    "hours and minutes",
    r"(?<![\w.,])(?P<h>\d{1,3})[ \t]?(?:h|hr|hrs)[ \t]?(?P<m>\d{1,2})[ \t]?(?:m|min|mins)(?![\w])",
)
def _hours_minutes(m: re.Match[str], rec: Recorder) -> str:
    """ "2h 15m" (a film's or a walk's length): the m is minutes here, never metres."""
    h, mins = int(m.group("h")), int(m.group("m"))
    spoken = f"{counted(h, 'hour', 'hours')} {counted(mins, 'minute', 'minutes')}"
    rec.add(m.group(0), spoken, "unit")
    return spoken


@_rule(
    "feet and inches",
    r"(?<![\w.,'’])(?P<f>\d{1,2})(?:['’′]|[ \t]?(?:ft|feet|foot)[ \t]?)(?P<i>\d{1,2})(?:\"|”|″|''|′′|[ \t]?inch(?:es)?\b|[ \t]?in\b(?![ \t]+(?:the|a|an|his|her|their|its|our|my|your|this|that)\b))",
)
def _feet_inches(m: re.Match[str], rec: Recorder) -> str:
    """ A height, 5'6": "five foot six". """
    spoken = f"{cardinal(int(m.group('f')))} foot {cardinal(int(m.group('i')))}"
    rec.add(m.group(0), spoken, "unit")
    return spoken


@_rule("feet", r"(?<![\w.,'’])(?P<f>\d{1,3})['’′](?=[ \t]+(?:tall|high|long|wide|deep|away|across)\b)")
def _feet(m: re.Match[str], rec: Recorder) -> str:
    """ "6' tall": six feet. """
    spoken = counted(int(m.group("f")), "foot", "feet")
    rec.add(m.group(0), spoken, "unit")
    return spoken


@_rule("dimensions", r"(?<=\d)(?:[ \t]x[ \t]|x)(?=\d)")
def _dimensions(m: re.Match[str], rec: Recorder) -> str | None:
    """ "10 x 20 cm", "4x4": "by". Not in "0x1F" (hexadecimal). """
    text, start = m.string, m.start()
    if text[start - 1] == "0" and (start < 2 or not text[start - 2].isalnum()) and m.group(0) == "x":
        return None
    rec.add(m.group(0), "by", "dimensions")
    return " by "


@_rule("multiplier", rf"(?<![\w.,])(?P<a>{_NUM})(?:[ \t]?[-–][ \t]?(?P<b>{_NUM}))?[x×](?![\w])")
def _multiplier(m: re.Match[str], rec: Recorder) -> str:
    """ "1.5x faster", "2-3x": "times". """
    spoken = number(m.group("a")) + (f" to {number(m.group('b'))}" if m.group("b") else "") + " times"
    rec.add(m.group(0), spoken, "multiplier")
    return spoken


@_rule("year span", r"(?<![\w./])(?P<y>\d{4})/(?P<yy>\d{2}|\d{4})(?![\w/]|[.,]\d)")
def _year_span(m: re.Match[str], rec: Recorder) -> str | None:
    """ A season or a financial year, 2024/25 or 1999/2000: "twenty twenty-four to twenty-five". """
    y, yy = int(m.group("y")), int(m.group("yy"))
    if len(m.group("yy")) == 4:
        if not (_is_year(y) and yy == y + 1):
            return None
        spoken = f"{year(y)} to {year(yy)}"
        rec.add(m.group(0), spoken, "year")
        return spoken
    if not (_is_year(y) and yy == (y + 1) % 100):
        return None
    second = year(y + 1) if yy == 0 else cardinal(yy) if yy >= 10 else "oh " + cardinal(yy)
    spoken = f"{year(y)} to {second}"
    rec.add(m.group(0), spoken, "year")
    return spoken


@_rule(
    "currency",
    rf"(?<![\w./])(?P<neg>-)?(?P<sym>[$£€¥₹])[ \t]?(?P<a>{_NUM})"
    rf"(?:[ \t]?(?:[-–]|to)[ \t]?(?P=sym)?[ \t]?(?P<b>{_NUM}))?"
    r"(?:[ \t]?(?P<mag>thousand|million|billion|trillion|bn|tn|m|k|K)(?!\w))?",
)
def _currency(m: re.Match[str], rec: Recorder) -> str:
    currency = CURRENCIES[m.group("sym")]
    a, b, mag = m.group("a"), m.group("b"), m.group("mag")
    if mag:
        amount = number(a) + (f" to {number(b)}" if b else "")
        spoken = f"{amount} {MAGNITUDES[mag]} {currency[1]}"
    elif b and "." not in a + b:
        spoken = f"{number(a)} to {number(b)} {currency[1] if b != '1' else currency[0]}"
    elif b:
        spoken = f"{_money(a, currency)} to {_money(b, currency)}"
    else:
        spoken = _money(a, currency)
    if m.group("neg"):
        spoken = "minus " + spoken
    rec.add(m.group(0), spoken, "currency")
    return spoken


@_rule("percent", rf"(?<![\w./])(?P<neg>-)?(?P<a>{_NUM})(?:[ \t]?%?[ \t]?[-–][ \t]?(?P<b>{_NUM}))?[ \t]?%")
def _percent(m: re.Match[str], rec: Recorder) -> str:
    spoken = ("minus " if m.group("neg") else "") + number(m.group("a"))
    if m.group("b"):
        spoken += f" to {number(m.group('b'))}"
    spoken += " percent"
    rec.add(m.group(0), spoken, "percent")
    return spoken


_UNIT_ALTERNATION = "|".join(map(re.escape, sorted(UNITS, key=len, reverse=True)))


@_rule(
    "unit",
    rf"(?<![\w./])(?P<neg>-)?(?P<a>{_NUM})(?:[ \t]?[-–][ \t]?(?P<b>{_NUM}))?(?P<sep>[ \t]|-)?"
    rf"(?P<u>{_UNIT_ALTERNATION})(?![\w])",
)
def _unit(m: re.Match[str], rec: Recorder) -> str:
    a, b, unit, sep = m.group("a"), m.group("b"), m.group("u"), m.group("sep")
    amount = ("minus " if m.group("neg") else "") + number(a) + (f" to {number(b)}" if b else "")
    attention = False
    if unit == "m" and sep != "-" and _is_million_context(m.string, m.end()):
        # "5m people" is five million people, not five metres of them.
        words, attention = "million", True
    elif sep == "-":
        words = UNITS[unit][0]  # "a 5-km race": adjectives are singular
    else:
        words = UNITS[unit][0] if (a == "1" and not b) else UNITS[unit][1]
    spoken = f"{amount}-{words}" if sep == "-" else f"{amount} {words}"
    rec.add(m.group(0), spoken, "unit", attention)
    return spoken


def _is_million_context(text: str, pos: int) -> bool:
    after = word_after(text, pos)
    return after in _MILLION_NOUNS or (_is_plural_noun(after) and text[pos : pos + 1] == " ")


@_rule("decade range", r"(?<![\w.])(?P<a>\d{3}0)s[ \t]?[-–][ \t]?['’]?(?P<b>\d{3}0|\d0)s(?![\w])")
def _decade_range(m: re.Match[str], rec: Recorder) -> str | None:
    """ "the 1850s-1860s", "the 1980s-90s": "the eighteen fifties to eighteen sixties". """
    a, b = int(m.group("a")), int(m.group("b"))
    if b < 100:
        b += a // 100 * 100
    if not (_is_year(a) and _is_year(b) and a < b):
        return None
    spoken = f"{plural(year(a))} to {plural(year(b))}"
    rec.add(m.group(0), spoken, "decade")
    return spoken


@_rule("pence", r"(?<![\w.,£$€¥₹])(?P<n>\d{1,2})p(?![\w])")
def _pence(m: re.Match[str], rec: Recorder) -> str:
    """ "99p": ninety-nine pence. Three or more digits are video resolutions ("1080p"). """
    spoken = counted(int(m.group("n")), "penny", "pence")
    rec.add(m.group(0), spoken, "currency")
    return spoken


@_rule("decade", r"(?<![\w.])(?:(?P<ap>['’‘])(?P<yy>\d{2})|(?P<n>\d+))['’]?s(?![\w])")
def _decade(m: re.Match[str], rec: Recorder) -> str:
    if m.group("yy"):
        yy = int(m.group("yy"))
        # '00s: the first decade of this century; '90s: the nineties.
        spoken, rule = plural(year(2000) if yy == 0 else cardinal(yy)), "decade"
    else:
        n = int(m.group("n"))
        if len(m.group("n")) == 4 and 1000 <= n <= 2099 and n % 10 == 0:
            spoken, rule = plural(year(n)), "decade"
        else:
            words = _whole(m.group("n"))
            if n >= 100 and words.startswith("one ") and words.count(" ") == 1:
                words = words[4:]  # "100s of people": hundreds, not "one hundreds"
            spoken, rule = plural(words), "decade" if n % 10 == 0 and n < 100 else "cardinal"
    rec.add(m.group(0), spoken, rule)
    return spoken


@_rule("short year", r"(?<![\w'’‘])['’‘](?P<yy>\d{2})(?![\w'’]|[.,]\d)")
def _short_year(m: re.Match[str], rec: Recorder) -> str:
    yy = int(m.group("yy"))
    spoken = f"oh {cardinal(yy)}" if yy < 10 else cardinal(yy)
    rec.add(m.group(0), spoken, "year")
    return spoken


@_rule("ordinal range", r"(?<![\w.])(?P<a>\d{1,3})(?:st|nd|rd|th)[ \t]?[-–][ \t]?(?P<b>\d{1,3})(?:st|nd|rd|th)(?![\w])")
def _ordinal_range(m: re.Match[str], rec: Recorder) -> str:
    """ "the 3rd-4th centuries": "the third to fourth". """
    spoken = f"{ordinal(int(m.group('a')))} to {ordinal(int(m.group('b')))}"
    rec.add(m.group(0), spoken, "range")
    return spoken


@_rule("ordinal", r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th|ST|ND|RD|TH)(?![\w])")
def _ordinal(m: re.Match[str], rec: Recorder) -> str:
    spoken = ordinal(int(m.group(1).replace(",", "")))
    rec.add(m.group(0), spoken, "ordinal")
    return spoken


def fraction(numerator: int, denominator: int) -> str:
    """3/4 -> "three quarters"; unusual ones -> "seven over twenty-three"."""
    if denominator not in _FRACTION_DENOMINATORS or numerator > 99:
        return f"{cardinal(numerator)} over {cardinal(denominator)}"
    many = numerator != 1
    if denominator == 2:
        name = "halves" if many else "half"
    elif denominator == 4:
        name = "quarters" if many else "quarter"
    else:
        # "one hundredth", not "one one hundredth"
        name = ordinal(denominator).removeprefix("one ") + ("s" if many else "")
    return f"{cardinal(numerator)} {name}"


@_rule("fraction", r"(?<![\w./,])(?:(?P<w>\d{1,3})[ \t]+)?(?P<n>\d+)[/⁄](?P<d>\d+)(?![\w/]|[.,]\d)")
def _fraction(m: re.Match[str], rec: Recorder) -> str:
    n, d = int(m.group("n")), int(m.group("d"))
    key = f"{m.group('n')}/{m.group('d')}"
    if key in SET_PHRASES:
        spoken = SET_PHRASES[key]
        if m.group("w"):
            spoken = f"{_whole(m.group('w'))} {spoken}"
    elif m.group("w") and n < d:
        part = fraction(n, d)
        if n == 1 and part.startswith("one ") and " over " not in part:
            part = "a " + part[4:]  # "one and a half"
        spoken = f"{_whole(m.group('w'))} and {part}"
    elif not m.group("w") and n + d == 100 and n % 10 == 0 and d % 10 == 0:
        spoken = f"{cardinal(n)}-{cardinal(d)}"  # "the 80/20 rule": a split, not four fifths
    else:
        spoken = fraction(n, d)
        if m.group("w"):
            spoken = f"{_whole(m.group('w'))} {spoken}"
    rec.add(m.group(0), spoken, "fraction")
    return spoken


def _is_year(n: int) -> bool:
    return 1000 <= n <= 2099


@_rule("range", rf"(?<![\w.,/:-])(?P<a>{_NUM})(?:-|[ \t]?–[ \t]?|[ \t]-[ \t])(?P<b>{_NUM})(?![\w-]|[.,:/]\d)")
def _range(m: re.Match[str], rec: Recorder) -> str:
    a, b = m.group("a"), m.group("b")
    before = word_before(m.string, m.start())
    # "between 18-25" is "between eighteen and twenty-five", never "... to ...".
    joiner = "and" if before.lower() == "between" else "to"
    spoken = f"{number(a)} {joiner} {number(b)}"
    rule = "range"
    if a == b and m.group(0) == f"{a}-{b}":
        spoken = f"{number(a)}-{number(b)}"  # "50-50", "a 1-1 draw": never "fifty to fifty"
    elif a.isdigit() and b.isdigit() and len(a) == 4 and _is_year(int(a)):
        first, second = int(a), int(b)
        if len(b) == 2 and second > first % 100:
            second += first // 100 * 100  # "1939-45": to 1945
        if len(str(second)) == 4 and _is_year(second) and second > first:
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


SCORE_BEFORE = _words("won lost beat beaten score scored finished ended drew trailed led leading trailing "
                      "winning losing defeated win wins lose loses beats draw draws")
_SCORE_AFTER = re.compile(
    r"(?:,[ \t]*\d{1,2}-\d{1,2})*[ \t]+(?:win|wins|victory|victories|defeat|defeats|loss|losses|lead|draw|"
    r"vote|votes|decision|majority|score|scoreline|result|thrashing|comeback|final|margin|split)\b")
PAGE_BEFORE = _words("pages page pp p lines verses chapters sections columns folios")


_ERA_AFTER = re.compile(r"[ \t]*(?:AD|BC|BCE|CE|A\.D\.|B\.C\.|A-D|B-C|B-C-E|C-E)(?![\w])")


@_rule("year", r"(?<![\w.,:/$£€¥₹])(?P<y>\d{4})(?![\w]|[.,:/]\d)")
def _year(m: re.Match[str], rec: Recorder) -> str | None:
    n = int(m.group("y"))
    text, start = m.string, m.start()
    if text[start - 1 : start] == "-" and not text[start - 2 : start - 1].isalpha():
        return None  # a negative number, not a year ("mid-1990" is still one)
    before = word_before(text, start)
    after = word_after(text, m.end())
    strong = before.lower() in YEAR_BEFORE or before in MONTHS or _ERA_AFTER.match(text, m.end()) is not None
    if not (1100 <= n <= 2099 or (strong and 1000 <= n <= 1099 and not _is_plural_noun(after))):
        return None  # a plain number; the cardinal rule reads it
    if strong or before.lower() in ("a", "an"):
        spoken, rule, attention = year(n), "year", False
    elif before.lower() in COUNT_BEFORE or _is_plural_noun(after):
        spoken, rule, attention = _whole(m.group("y")), "cardinal", True
    else:
        spoken, rule, attention = year(n), "year", True
    rec.add(m.group(0), spoken, rule, attention)
    return spoken


@_rule(
    "cardinal",
    r"(?<![\w.,])(?P<neg>-(?=[\d.]))?(?P<n>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)*|\.\d+)(?![\w]|\.\d)",
)
def _cardinal(m: re.Match[str], rec: Recorder) -> str:
    spoken = number(m.group(0))
    rec.add(m.group(0), spoken, "cardinal")
    return spoken


@_rule("glued number", r"\d+(?:\.\d+)*")
def _glued_number(m: re.Match[str], rec: Recorder) -> str:
    # Digits touching letters ("MP3", "B2B", "3D"): read them now, apart from the letters,
    # so the initialism rule below sees "MP" on its own.
    spoken = number(m.group(0))
    rec.add(m.group(0), spoken, "cardinal")
    text, start, end = m.string, m.start(), m.end()
    before = " " if start and text[start - 1].isalnum() else ""
    after = " " if end < len(text) and text[end].isalnum() else ""
    return before + spoken + after


class _RomanRule:
    """Roman numerals that are numbers: "World War II", "Henry VIII", "Part III"."""

    name = "roman"
    pattern = re.compile(r"(?<![\w'’-])([IVXLCDM]+)(?![\w-])")
    _valid = re.compile(r"M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
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
            and before not in _NOT_NAMES
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


class _InitialismRule:
    """All-caps words said letter by letter: "BBC" -> "B-B-C", "AIs" -> "A-I's"."""

    name = "initialism"
    pattern = re.compile(r"(?<![\w'’])(?P<w>[A-Z]{2,5})(?P<s>['’]s(?!\w)|s(?!\w))?(?!\w)")
    # Three or more all-caps words in a row are shouting, not initialisms.
    _shouting = re.compile(r"\b[A-Z]{2,}\b(?:[ \t]+\b[A-Z]{2,}\b){2,}")
    _valid_roman = _RomanRule._valid

    def apply(self, text: str, rec: Recorder) -> str:
        if not re.search(r"[A-Z]{2}", text):
            return text
        shouting = [m.span() for m in self._shouting.finditer(text)]
        return self.pattern.sub(lambda m: self._say(m, rec, shouting), text)

    def _say(self, m: re.Match[str], rec: Recorder, shouting: list[tuple[int, int]]) -> str:
        word, suffix = m.group("w"), m.group("s")
        if (
            word in ACRONYMS
            or word in EMPHASIS_WORDS
            or (not suffix and self._valid_roman.fullmatch(word))
            or any(start <= m.start() < end for start, end in shouting)
        ):
            return m.group(0)
        spoken = spell(word) + ("'s" if suffix else "")
        # A 4-5 letter word with vowels might be an acronym said as a word (like NASA).
        attention = len(word) >= 4 and any(v in word for v in "AEIOU")
        rec.add(m.group(0), spoken, "initialism", attention)
        return spoken


_rules.append(_RomanRule())
_rules.append(_InitialismRule())


@_rule("symbol", r"[&+=@%°×÷±≈≠∞§]", requires="".join(SYMBOL_WORDS))
def _symbol(m: re.Match[str], rec: Recorder) -> str:
    spoken = SYMBOL_WORDS[m.group(0)]
    rec.add(m.group(0), spoken, "symbol")
    return f" {spoken} "


@_rule("hashtag", r"#(?=[A-Za-z])", requires="#")
def _hashtag(m: re.Match[str], rec: Recorder) -> str:
    rec.add("#", "", "symbol")
    return ""


@_rule("slash", r"(?<=[a-z])/(?:or\b|(?=[a-z]))", requires="/")
def _slash(m: re.Match[str], rec: Recorder) -> str:
    # "he/she" -> "he or she", "and/or" -> "and or": espeak would say "slash".
    rec.add(m.group(0), "or", "symbol")
    return " or "


LANGUAGE = Language(
    code="en",
    name="English",
    rules=tuple(_rules),
    number=number,
    link_word="link",
    note_word="note",
)
