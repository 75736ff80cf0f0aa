"""English money and units: "$3.50", "USD 300", "99p", "40%", "5 km", "2h 15m", "5'6\"", "4x4".

Each rule here runs only where :data:`audioessay.text.en.RULES` lists it.
"""

from __future__ import annotations

import re

from audioessay.text.en.context import NUM, is_plural_noun, make_rule, word_after, word_before, word_set
from audioessay.text.en.spoken import cardinal, counted, number, whole_number
from audioessay.text.lang_base import Recorder

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
    "pts": ("point", "points"), "km3": ("cubic kilometre", "cubic kilometres"),
    "mm2": ("square millimetre", "square millimetres"), "mm3": ("cubic millimetre", "cubic millimetres"),
    "ft2": ("square foot", "square feet"), "ft3": ("cubic foot", "cubic feet"), "mi": ("mile", "miles"),
    "mi2": ("square mile", "square miles"), "tn": ("trillion", "trillion"),
    "m/s": ("metre per second", "metres per second"), "km/s": ("kilometre per second", "kilometres per second"),
    "m/s2": ("metre per second squared", "metres per second squared"),
    # Written out: "30 sq m" is said like "30 m²".
    "sq m": ("square metre", "square metres"), "sqm": ("square metre", "square metres"),
    "sq km": ("square kilometre", "square kilometres"), "sq cm": ("square centimetre", "square centimetres"),
    "sq mm": ("square millimetre", "square millimetres"), "sq ft": ("square foot", "square feet"),
    "sq mi": ("square mile", "square miles"), "sq yd": ("square yard", "square yards"),
    # Magnitude suffixes, glued to the number only ("250K", "1.2B"); see _magnitude.
    "K": ("thousand", "thousand"), "k": ("thousand", "thousand"), "M": ("million", "million"),
    "B": ("billion", "billion"),
}  # fmt: skip
# "a 5K race", "a 4K TV": K is the race or the picture, not thousand, before these.
_K_NOT_THOUSAND = word_set("run runs race races walk walks fun tv tvs video videos resolution display displays "
                           "monitor monitors screen screens stream streaming footage camera swim row ride")
# Words after an article and a measure ("a 2,500 kg successor") that are not the noun the
# measure describes ("a 5 km or so").
_NOT_MEASURED_NOUNS = word_set("of or and to than is was are were each more less away from in on at by with per")
# "5m people": m is million, not metres, before a word like these.
_MILLION_NOUNS = word_set(
    "people views users subscribers viewers copies votes fans followers downloads customers "
    "visitors jobs homes households residents deaths cases readers listeners players "
    "children adults workers members tonnes barrels miles parameters tokens dollars pounds euros "
    "streams plays likes shares signatures"
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





def _money(amount: str, currency: tuple[str, str, str | None, str | None]) -> str:
    one, many, sub_one, sub_many = currency
    whole, _, cents_text = amount.replace(",", "").partition(".")
    if cents_text and (len(cents_text) > 2 or sub_one is None):
        return f"{number(amount)} {many}"
    cents = int(cents_text.ljust(2, "0")) if cents_text else 0
    units = int(whole) if whole else 0
    parts = []
    if units or not cents:
        parts.append(f"{whole_number(whole or '0')} {one if units == 1 else many}")
    if cents:
        parts.append(f"{cardinal(cents)} {sub_one if cents == 1 else sub_many}")
    return " and ".join(parts)


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


@make_rule(
    "currency code",
    rf"(?<![\w.])(?:{_CODE}[ \t]?(?P<a>{NUM}){_CODE_MAG}"
    rf"|(?P<a2>{NUM}){_CODE_MAG.replace('mag', 'mag2')}[ \t]?(?P<code2>"
    # After a number "CAD" is as often computer-aided design ("2 CAD drawings"): only before one.
    + "|".join(c for c in CURRENCY_CODES if c != "CAD") + r"))(?![\w]|[.,]\d)",
)
def currency_code(m: re.Match[str], rec: Recorder) -> str:
    code, amount, mag = (m.group("code"), m.group("a"), m.group("mag")) if m.group("code") else \
        (m.group("code2"), m.group("a2"), m.group("mag2"))
    currency = CURRENCY_CODES[code]
    spoken = f"{number(amount)} {MAGNITUDES[mag]} {currency[1]}" if mag else _money(amount, currency)
    rec.add(m.group(0), spoken, "currency")
    return spoken


@make_rule(
    "hours and minutes",
    r"(?<![\w.,])(?P<h>\d{1,3})[ \t]?(?:h|hr|hrs)[ \t]?(?P<m>\d{1,2})[ \t]?(?:m|min|mins)(?![\w])",
)
def hours_and_minutes(m: re.Match[str], rec: Recorder) -> str:
    """ "2h 15m" (a film's or a walk's length): the m is minutes here, never metres."""
    h, mins = int(m.group("h")), int(m.group("m"))
    spoken = f"{counted(h, 'hour', 'hours')} {counted(mins, 'minute', 'minutes')}"
    rec.add(m.group(0), spoken, "unit")
    return spoken


@make_rule(
    "feet and inches",
    r"(?<![\w.,'’])(?P<f>\d{1,2})(?:['’′]|[ \t]?(?:ft|feet|foot)[ \t]?)(?P<i>\d{1,2})(?:\"|”|″|''|′′|[ \t]?inch(?:es)?\b|[ \t]?in\b(?![ \t]+(?:the|a|an|his|her|their|its|our|my|your|this|that)\b))",
)
def feet_and_inches(m: re.Match[str], rec: Recorder) -> str:
    """ A height, 5'6": "five foot six". """
    spoken = f"{cardinal(int(m.group('f')))} foot {cardinal(int(m.group('i')))}"
    rec.add(m.group(0), spoken, "unit")
    return spoken


@make_rule("feet", r"(?<![\w.,'’])(?P<f>\d{1,3})['’′](?=[ \t]+(?:tall|high|long|wide|deep|away|across)\b)")
def feet(m: re.Match[str], rec: Recorder) -> str:
    """ "6' tall": six feet. """
    spoken = counted(int(m.group("f")), "foot", "feet")
    rec.add(m.group(0), spoken, "unit")
    return spoken


# After "2 × 3" these make it a size ("by"); without one "×" is "times".
_SIZE_AFTER = re.compile(
    r"[ \t]*\d+(?:\.\d+)?(?:[ \t]*[x×][ \t]*\d+(?:\.\d+)?)*[ \t]*(?:mm|cm|m|km|in|ft|yd|px|inch|inches|"
    r"foot|feet|yards?|met(?:re|er)s?|centimet(?:re|er)s?|millimet(?:re|er)s?|kilomet(?:re|er)s?|miles?|"
    r"pixels?|squares?|cells?|tiles?|grid|board|matrix|cube|puzzle)\b"
)


@make_rule("dimensions", r"(?<=\d)(?:[ \t]x[ \t]|x|[ \t]?×[ \t]?)(?=\d)")
def dimensions(m: re.Match[str], rec: Recorder) -> str | None:
    """ "10 x 20 cm", "4x4", "2 × 3 metres": "by". Not in "0x1F" (hexadecimal), and "3 × 4"
    without a unit stays "times" (the symbol rule). """
    text, start = m.string, m.start()
    if "×" in m.group(0):
        if not _SIZE_AFTER.match(text, m.end()):
            return None
    elif text[start - 1] == "0" and (start < 2 or not text[start - 2].isalnum()) and m.group(0) == "x":
        return None
    rec.add(m.group(0), "by", "dimensions")
    return " by "


@make_rule("multiplier", rf"(?<![\w.,])(?P<a>{NUM})(?:[ \t]?[-–][ \t]?(?P<b>{NUM}))?[x×](?![\w])")
def multiplier(m: re.Match[str], rec: Recorder) -> str:
    """ "1.5x faster", "2-3x": "times". """
    spoken = number(m.group("a")) + (f" to {number(m.group('b'))}" if m.group("b") else "") + " times"
    rec.add(m.group(0), spoken, "multiplier")
    return spoken


@make_rule(
    "currency",
    rf"(?<![\w./])(?P<neg>-)?(?P<sym>[$£€¥₹])[ \t]?(?P<a>{NUM})"
    rf"(?:[ \t]?(?:[-–]|to)[ \t]?(?P=sym)?[ \t]?(?P<b>{NUM}))?"
    r"(?:[ \t]?(?P<mag>thousand|million|billion|trillion|bn|tn|m|k|K)(?!\w))?",
)
def currency_amount(m: re.Match[str], rec: Recorder) -> str:
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


@make_rule("percent", rf"(?<![\w./])(?P<neg>-)?(?P<a>{NUM})(?:[ \t]?%?[ \t]?[-–][ \t]?(?P<b>{NUM}))?[ \t]?%")
def percent(m: re.Match[str], rec: Recorder) -> str:
    spoken = ("minus " if m.group("neg") else "") + number(m.group("a"))
    if m.group("b"):
        spoken += f" to {number(m.group('b'))}"
    spoken += " percent"
    rec.add(m.group(0), spoken, "percent")
    return spoken


_UNIT_ALTERNATION = "|".join(map(re.escape, sorted(UNITS, key=len, reverse=True)))


@make_rule(
    "unit",
    rf"(?<![\w./])(?P<neg>-)?(?P<a>{NUM})(?:[ \t]?[-–][ \t]?(?P<b>{NUM}))?(?P<sep>[ \t]|-)?"
    rf"(?P<u>{_UNIT_ALTERNATION})(?![\w])",
)
def measurement(m: re.Match[str], rec: Recorder) -> str | None:
    a, b, unit, sep = m.group("a"), m.group("b"), m.group("u"), m.group("sep")
    amount = ("minus " if m.group("neg") else "") + number(a) + (f" to {number(b)}" if b else "")
    attention = False
    if unit in _MAGNITUDE_SUFFIXES:
        magnitude = _magnitude(m)
        if magnitude is None:
            return None  # "a 5K race", "Apartment 4B", "3M" (the company): left as written
        words, attention = magnitude
    elif unit == "m" and sep != "-" and _is_million_context(m.string, m.end()):
        # "5m people" is five million people, not five metres of them.
        words, attention = "million", True
    elif sep == "-" or _is_adjective(m):
        words = UNITS[unit][0]  # "a 5-km race", "a 2,500 kg successor": adjectives are singular
    else:
        words = UNITS[unit][0] if (a == "1" and not b) else UNITS[unit][1]
    spoken = f"{amount}-{words}" if sep == "-" else f"{amount} {words}"
    rec.add(m.group(0), spoken, "unit", attention)
    return spoken


_MAGNITUDE_SUFFIXES = frozenset({"K", "k", "M", "B"})


def _magnitude(m: re.Match[str]) -> tuple[str, bool] | None:
    """ "250K" -> thousand, "3M users" -> million, "1.2B" -> billion; None to leave it.

    Only glued to the number ("300 K" is kelvin). K is thousand unless a race or a screen
    follows ("a 5K run", "4K TV") or a small number stands alone ("in 4K"); M and B need a
    decimal ("1.5M") or a counted noun after them ("3M users"), since "3M" and "4B" are names."""
    unit, a, text = m.group("u"), m.group("a"), m.string
    if m.group("sep") or m.group("b"):
        return None
    after = word_after(text, m.end())
    if unit in "Kk":
        if after.lower() in _K_NOT_THOUSAND or text[m.end() : m.end() + 1] == "-":
            return None
        small = a.isdigit() and int(a) < 20 and not is_plural_noun(after)
        return None if small else ("thousand", False)
    # A plural after it counts only mid-sentence: "3M makes tape" is the company.
    counted_noun = after in _MILLION_NOUNS or (
        is_plural_noun(after) and text[m.end() : m.end() + 1] == " " and word_before(text, m.start()) != ""
    )
    if not ("." in a or counted_noun):
        return None
    return ("million" if unit == "M" else "billion"), "." not in a


def _is_adjective(m: re.Match[str]) -> bool:
    """ "a 2,500 kg successor": a measure between an article and a noun describes the noun."""
    text = m.string
    if word_before(text, m.start()).lower() not in ("a", "an"):
        return False
    after = _NOUN_AFTER.match(text, m.end())
    return after is not None and after.group(1) not in _NOT_MEASURED_NOUNS


_NOUN_AFTER = re.compile(r"[ \t]+([a-z]+)\b(?!['’-])")


def _is_million_context(text: str, pos: int) -> bool:
    after = word_after(text, pos)
    return after in _MILLION_NOUNS or (is_plural_noun(after) and text[pos : pos + 1] == " ")


@make_rule("pence", r"(?<![\w.,£$€¥₹])(?P<n>\d{1,2}(?:\.\d{1,2})?)p(?![\w])")
def pence(m: re.Match[str], rec: Recorder) -> str:
    """ "99p": ninety-nine pence; "4.5p": four point five pence. Three or more digits are video
    resolutions ("1080p")."""
    n = m.group("n")
    spoken = counted(int(n), "penny", "pence") if n.isdigit() else f"{number(n)} pence"
    rec.add(m.group(0), spoken, "currency")
    return spoken
