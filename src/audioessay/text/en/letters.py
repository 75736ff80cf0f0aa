"""English letters and symbols: initialisms ("BBC" -> "B-B-C"), initials ("J. R. R."), and
symbols said as words ("&", "%", "#5", "he/she").

Each rule here runs only where :data:`audioessay.text.en.RULES` lists it.
"""

from __future__ import annotations

import re

from audioessay.text.en.context import ends_sentence, make_rule, word_after, word_before, word_set
from audioessay.text.en.numbers import VALID_ROMAN
from audioessay.text.en.spoken import spell
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
    "ITN NASCAR JFK MLK LBJ FDR AA BT EA GM GE HP ID IDs SOS SUVs TNT ATP DHL UPS RAC AAA AGM"
)
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
    spoken = spell(token.replace(".", ""))
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
    """All-caps words said letter by letter: "BBC" -> "B-B-C", "AIs" -> "A-I's"."""

    name = "initialism"
    pattern = re.compile(r"(?<![\w'’])(?P<w>[A-Z]{2,5})(?P<s>['’]s(?!\w)|s(?!\w))?(?!\w)")
    # Three or more all-caps words in a row are shouting, not initialisms.
    _shouting = re.compile(r"\b[A-Z]{2,}\b(?:[ \t]+\b[A-Z]{2,}\b){2,}")
    _valid_roman = VALID_ROMAN

    def apply(self, text: str, rec: Recorder) -> str:
        if not re.search(r"[A-Z]{2}", text):
            return text
        shouting = [m.span() for m in self._shouting.finditer(text)]
        return self.pattern.sub(lambda m: self._say(m, rec, shouting), text)

    def _say(self, m: re.Match[str], rec: Recorder, shouting: list[tuple[int, int]]) -> str:
        word, suffix = m.group("w"), m.group("s")
        if word in EMPHASIS_WORDS and word in INITIALISMS and (suffix or self._names_body(m)):
            pass  # "the WHO": the organization, spelled
        elif (
            word in ACRONYMS
            or word in EMPHASIS_WORDS
            or (not suffix and self._valid_roman.fullmatch(word))
            or any(start <= m.start() < end for start, end in shouting)
        ):
            return m.group(0)
        spoken = spell(word) + ("'s" if suffix else "")
        # An unknown word might be an acronym said as a word (like NASA): ask a person; so may
        # "WHO" read as the organization without "the" before it.
        attention = word not in INITIALISMS or (
            word in EMPHASIS_WORDS and not suffix and word_before(m.string, m.start()) not in ORGANIZATION_BEFORE
        )
        rec.add(m.group(0), spoken, "initialism", attention)
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


@make_rule("symbol", r"§§|[&+=@%°×÷±≈≠∞§]", requires="".join(SYMBOL_WORDS))
def symbol(m: re.Match[str], rec: Recorder) -> str:
    spoken = SYMBOL_WORDS[m.group(0)]
    rec.add(m.group(0), spoken, "symbol")
    return f" {spoken} "


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
