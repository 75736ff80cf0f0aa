"""Probes for readings the voice must get right (the "publishable" issue).

One table per class: written -> spoken, exact. Each table mixes what the class changes and
near-misses that must stay as they were.
"""

from __future__ import annotations

import pytest

from audioessay.text.speak import speak

TELEPHONE_AND_SHORT_CODES = [
    ('Dial 911 now.', 'Dial nine one one now.'),
    ('Call 999 in an emergency.', 'Call nine nine nine in an emergency.'),
    ('It was a 911 call.', 'It was a nine one one call.'),
    ('He made three 999 calls.', 'He made three nine nine nine calls.'),
    ('Dial 112 anywhere in Europe.', 'Dial one one two anywhere in Europe.'),
    ('Ring 111 for advice.', 'Ring one one one for advice.'),
    ('Dial 9-1-1.', 'Dial nine one one.'),
    ('Text STOP to 80082.', 'Text STOP to eight zero zero eight two.'),
    ('Send HELP to 80082 today.', 'Send HELP to eight zero zero eight two today.'),
    ('Texting YES to 60123 costs nothing.', 'Texting YES to six zero one two three costs nothing.'),
    ('Call 020 7946 0018 today.', 'Call zero two zero, seven nine four six, zero zero one eight today.'),
    ('Call (020) 7946 0018 now.', 'Call zero two zero, seven nine four six, zero zero one eight now.'),
    ('Ring 07700 900123 later.', 'Ring zero seven seven zero zero, nine zero zero one two three later.'),
    ('Ring 0161 496 0000 after six.', 'Ring zero one six one, four nine six, zero zero zero zero after six.'),
    ('The Porsche 911 is fast.', 'The Porsche nine eleven is fast.'),
    ('He scored 999 points.', 'He scored nine hundred ninety-nine points.'),
    ('Drive 80082 miles.', 'Drive eighty thousand eighty-two miles.'),
    ('Room 112 is free.', 'Room one hundred twelve is free.'),
    ('It cost 020 7946 pounds.', 'It cost zero two zero seven thousand nine hundred forty-six pounds.'),
    ('In 911 the king died.', 'In nine hundred eleven the king died.'),
    ('Go to 80082 Main Street.', 'Go to eighty thousand eighty-two Main Street.'),
]

VERSIONS_AND_MODELS = [
    ('Python 3.12 is out.', 'Python three point twelve is out.'),
    ('iOS 17.4.1 fixed it.', 'iOS seventeen point four point one fixed it.'),
    ('Upgrade to v2.0 now.', 'Upgrade to version two point oh now.'),
    ('Version 3.10 shipped.', 'Version three point ten shipped.'),
    ('The release 1.2 is old.', 'The release one point two is old.'),
    ('Python 3.0 broke things.', 'Python three point oh broke things.'),
    ('Web 2.0 arrived.', 'Web two point oh arrived.'),
    ('It runs Android 14.1 now.', 'It runs Android fourteen point one now.'),
    ('He ran 3.11.7 here.', 'He ran three point eleven point seven here.'),
    ('The Boeing 737 crashed.', 'The Boeing seven thirty-seven crashed.'),
    ('Boeing 737-800 jets.', 'Boeing seven thirty-seven eight hundred jets.'),
    ('The Airbus A380 flew.', 'The Airbus A three eighty flew.'),
    ('The F-117 was stealthy.', 'The F-one seventeen was stealthy.'),
    ('The 747 jumbo landed.', 'The seven forty-seven jumbo landed.'),
    ('The Nokia 3310 was sold in 2000.', 'The Nokia thirty-three ten was sold in two thousand.'),
    ('The Peugeot 208 is small.', 'The Peugeot two oh eight is small.'),
    ('The Porsche 911 is fast.', 'The Porsche nine eleven is fast.'),
    ('It weighs 2.5 tons.', 'It weighs two point five tons.'),
    ('He owns 737 books.', 'He owns seven hundred thirty-seven books.'),
    ('Room 105 is empty.', 'Room one hundred five is empty.'),
    ('The 747 passengers waited.', 'The seven hundred forty-seven passengers waited.'),
    ('Windows 95 shipped in 1995.', 'Windows ninety-five shipped in nineteen ninety-five.'),
    ('An MP3 player.', 'An M-P three player.'),
    ('During COVID-19 we stayed home.', 'During COVID-nineteen we stayed home.'),
    ('It fell to -3.5 overnight.', 'It fell to minus three point five overnight.'),
    ('He paid 3.50 for it.', 'He paid three point five zero for it.'),
]

HASHTAGS_AND_HANDLES = [
    ('Follow #MeToo online.', 'Follow hashtag MeToo online.'),
    ('Tag it #BlackLivesMatter.', 'Tag it hashtag BlackLivesMatter.'),
    ('Ask @jane_doe about it.', 'Ask at jane doe about it.'),
    ('Thanks, @BBCNews!', 'Thanks, at BBCNews!'),
    ('Use #tbt on Thursdays.', 'Use hashtag tbt on Thursdays.'),
    ('The #1 hit.', 'The number one hit.'),
    ('He wore #5.', 'He wore number five.'),
    ('Mail jo@example.com now.', 'Mail jo at example dot com now.'),
    ('Meet @ home.', 'Meet at home.'),
    ('#MeToo began in 2017.', 'hashtag MeToo began in twenty seventeen.'),
    ('Both #MeToo and #TimesUp.', 'Both hashtag MeToo and hashtag TimesUp.'),
]

TILDE = [
    ('Prices rose ~20% this year.', 'Prices rose about twenty percent this year.'),
    ('A ~20% rise.', 'A roughly twenty percent rise.'),
    ('An ~8% fall.', 'An approximately eight percent fall.'),
    ('It is about ~5 km.', 'It is about five kilometres.'),
    ('It is ~5 km.', 'It is about five kilometres.'),
    ('It took ~3 hours.', 'It took about three hours.'),
    ('Roughly ~100 people.', 'Roughly one hundred people.'),
    ('Costs ~$5.', 'Costs about five dollars.'),
    ('A ~5 km walk.', 'A roughly five kilometres walk.'),
    ('It is ≈3 m.', 'It is approximately three metres.'),
    ('He said ~ hi.', 'He said hi.'),
]

SUPERSCRIPTS = [
    ('An area of 5 m².', 'An area of five square metres.'),
    ('It covers 3 km³.', 'It covers three cubic kilometres.'),
    ('A 50 m² flat.', 'A fifty square metre flat.'),
    ('It holds 2 m³ of water.', 'It holds two cubic metres of water.'),
    ('It covers 5 km².', 'It covers five square kilometres.'),
    ('A 10 cm² patch.', 'A ten square centimetre patch.'),
    ('It is 4 mm³.', 'It is four cubic millimetres.'),
    ('A 300 ft² room.', 'A three hundred square foot room.'),
    ('It covers 2 mi².', 'It covers two square miles.'),
    ('A claim.¹', 'A claim.'),
    ('Studies² show it.', 'Studies show it.'),
]

SECTIONS = [
    ('See § 5.', 'See section five.'),
    ('See §§ 12-14.', 'See sections twelve to fourteen.'),
    ('Under § 3, and §§ 4 and 5.', 'Under section three, and sections four and five.'),
    ('Read §2 now.', 'Read section two now.'),
    ('Read §§2-3 now.', 'Read sections two to three now.'),
    ('The § sign.', 'The section sign.'),
    ('See § 12(b).', 'See section twelve(b).'),
    ('§ 1 applies.', 'section one applies.'),
    ('§§ 1 and 2 apply.', 'sections one and two apply.'),
    ('Compare § 4 with § 5.', 'Compare section four with section five.'),
    ('Per § 230 of the Act.', 'Per section two hundred thirty of the Act.'),
]

MILITARY_TIMES = [
    ('At 0600 hours we left.', 'At oh six hundred hours we left.'),
    ('We attacked at 1430 hours.', 'We attacked at fourteen thirty hours.'),
    ('The attack began at 0600.', 'The attack began at oh six hundred.'),
    ('Report by 0900.', 'Report by oh nine hundred.'),
    ('Lights out at 2200 hrs.', 'Lights out at twenty-two hundred hours.'),
    ('At 0005 hours it ended.', 'At zero zero oh five hours it ended.'),
    ('We met at 1430; it took hours.', 'We met at fourteen thirty; it took hours.'),
    ('From 0800 to 1700 hours.', 'From oh eight hundred to seventeen hundred hours.'),
    ('In 1430 the city fell.', 'In fourteen thirty the city fell.'),
    ('He scored 1430 points.', 'He scored one thousand four hundred thirty points.'),
    ('The 2359 train.', 'The two thousand three hundred fifty-nine train.'),
    ('By 1900 it was over.', 'By nineteen hundred it was over.'),
    ('It cost 0600 pounds.', 'It cost zero six zero zero pounds.'),
]

MAGNITUDE_SUFFIXES = [
    ('It sold 250K copies.', 'It sold two hundred fifty thousand copies.'),
    ('A 1.5M budget.', 'A one point five million budget.'),
    ('It reached 1.2bn people.', 'It reached one point two billion people.'),
    ('It has 3M users.', 'It has three million users.'),
    ('8B parameters.', 'eight billion parameters.'),
    ('He earns 120k a year.', 'He earns one hundred twenty thousand a year.'),
    ('A 2.5K bonus.', 'A two point five thousand bonus.'),
    ('A 1.2B deal.', 'A one point two billion deal.'),
    ('It had 40K views.', 'It had forty thousand views.'),
    ('2.3tn in debt.', 'two point three trillion in debt.'),
    ('He ran a 5K race.', 'He ran a five K race.'),
    ('Shot in 4K.', 'Shot in four K.'),
    ('Apartment 4B.', 'Apartment four B.'),
    ('3M makes tape.', 'three M makes tape.'),
    ('It is 300 K.', 'It is three hundred K.'),
    ('A 10K run.', 'A ten K run.'),
    ('Buy a 4K TV.', 'Buy a four K T-V.'),
]

CIRCA_AND_CENTURY = [
    ('It was built c. 1850.', 'It was built circa eighteen fifty.'),
    ('Built c.1850.', 'Built circa eighteen fifty.'),
    ('In the 5th c. it fell.', 'In the fifth century it fell.'),
    ('By the 19th C. it was gone.', 'By the nineteenth century it was gone.'),
    ('Built in the 12th c.', 'Built in the twelfth century.'),
    ('The 3rd c. BC.', 'The third century B-C.'),
    ('Born ca. 1500.', 'Born circa fifteen hundred.'),
    ('A 21st c. problem.', 'A twenty-first century problem.'),
    ('C. S. Lewis wrote.', 'C-S Lewis wrote.'),
    ('Plan c. is odd.', 'Plan c. is odd.'),
    ('See also c. below.', 'See also c. below.'),
]

APARTMENT_AND_MONSIEUR = [
    ('He lives at Apt. 4.', 'He lives at apartment four.'),
    ('Apt. 12B is empty.', 'Apartment twelve B is empty.'),
    ('M. Dupont arrived.', 'Monsieur Dupont arrived.'),
    ('MM. Dupont and Durand left.', 'Messieurs Dupont and Durand left.'),
    ('Mme. Curie won.', 'Madame Curie won.'),
    ('I met M. Poirot today.', 'I met Monsieur Poirot today.'),
    ('M. Night Shyamalan directed it.', 'Monsieur Night Shyamalan directed it.'),
    ('J. M. Barrie wrote it.', 'J-M Barrie wrote it.'),
    ('M. R. James wrote ghost stories.', 'M-R James wrote ghost stories.'),
    ('It was M. Then N.', 'It was M Then N.'),
    ('Type M. Then stop.', 'Type M Then stop.'),
]

ACRONYMS_SAID_OR_SPELLED = [
    ('The WHO declared a pandemic.', 'The W-H-O declared a pandemic.'),
    ("The WHO's advice.", "The W-H-O's advice."),
    ('WHO recommends masks.', 'W-H-O recommends masks.'),
    ('A report by the WHO.', 'A report by the W-H-O.'),
    ('NASA and NATO met.', 'NASA and NATO met.'),
    ('UNESCO listed it.', 'UNESCO listed it.'),
    ('The Boeing 737 MAX.', 'The Boeing seven thirty-seven MAX.'),
    ('The BBC reported.', 'The B-B-C reported.'),
    ('The XYZQ group met.', 'The X-Y-Z-Q group met.'),
    ('The FBI came.', 'The F-B-I came.'),
    ('WHO cares?', 'WHO cares?'),
    ('WHO does that?', 'WHO does that?'),
    ('I do NOT agree.', 'I do NOT agree.'),
    ('That is OK.', 'That is OK.'),
]

RACE_TIMES = [
    ('She ran 2:01:09 in the marathon.', 'She ran two hours, one minute and nine seconds in the marathon.'),
    ('He finished in 1:00:05.', 'He finished in one hour and five seconds.'),
    ('A 0:45:30 run.', 'A forty-five minutes and thirty seconds run.'),
    ('The record is 2:00:35.', 'The record is two hours and thirty-five seconds.'),
    ('It lasted 3:10:00.', 'It lasted three hours and ten minutes.'),
    ('He won in 4:05:01.', 'He won in four hours, five minutes and one second.'),
    ('It took 0:00:59.', 'It took fifty-nine seconds.'),
    ('Her 1:59:40 run.', 'Her one hour, fifty-nine minutes and forty seconds run.'),
    ('Meet at 10:30:15 then.', 'Meet at ten thirty and fifteen seconds then.'),
    ('It is 10:30:15 a.m. now.', 'It is ten thirty and fifteen seconds a-m now.'),
    ('Lunch at 12:05 today.', 'Lunch at twelve oh five today.'),
    ('Screens are 16:9 now.', 'Screens are sixteen to nine now.'),
]

DOTTED_TIMES = [
    ('Meet me at 4.30 tomorrow.', 'Meet me at four thirty tomorrow.'),
    ('Open from 9.30 to 5.30 daily.', 'Open from nine thirty to five thirty daily.'),
    ('We left by 11.45.', 'We left by eleven forty-five.'),
    ('Leave at 7.15 sharp.', 'Leave at seven fifteen sharp.'),
    ('Until 10.30 we waited.', 'Until ten thirty we waited.'),
    ('At 3.30pm we ate.', 'At three thirty p-m we ate.'),
    ('Doors open at 19.30 tonight.', 'Doors open at nineteen thirty tonight.'),
    ('Shares traded at 4.50 per share.', 'Shares traded at four point five zero per share.'),
    ('It rose to 4.30.', 'It rose to four point three zero.'),
    ('It traded at 2.50 each.', 'It traded at two point five zero each.'),
    ('At 12.75 degrees.', 'At twelve point seven five degrees.'),
    ('Rated at 4.5 stars.', 'Rated at four point five stars.'),
    ('It fell 4.30 points.', 'It fell four point three zero points.'),
    ('It grew at 2.75%.', 'It grew at two point seven five percent.'),
]

UNITS_AS_ADJECTIVES = [
    ('A 2,500 kg successor arrived.', 'A two thousand five hundred kilogram successor arrived.'),
    ('A 10 km walk.', 'A ten kilometre walk.'),
    ('An 8 km walk.', 'An eight kilometre walk.'),
    ('A 10-mile run.', 'A ten-mile run.'),
    ('A 5 kg bag.', 'A five kilogram bag.'),
    ('A 3-5 km walk.', 'A three to five kilometre walk.'),
    ('A 50 m² flat.', 'A fifty square metre flat.'),
    ('A 20 mph limit.', 'A twenty mile per hour limit.'),
    ('A 2 m wall.', 'A two metre wall.'),
    ('A 100 ml bottle.', 'A one hundred millilitre bottle.'),
    ('It weighs 2,500 kg.', 'It weighs two thousand five hundred kilograms.'),
    ('A 5 km or so.', 'A five kilometres or so.'),
    ('3 km of road.', 'three kilometres of road.'),
    ('The 5 km route.', 'The five kilometres route.'),
    ('Walk 1 km.', 'Walk one kilometre.'),
    ('Run a 5-km race.', 'Run a five-kilometre race.'),
]

DECIMAL_PENCE = [
    ('It costs 4.5p each.', 'It costs four point five pence each.'),
    ('Up 0.5p today.', 'Up zero point five pence today.'),
    ('A 2.75p rise.', 'A two point seven five pence rise.'),
    ('Just 1.5p.', 'Just one point five pence.'),
    ('It costs 99p.', 'It costs ninety-nine pence.'),
    ('It costs 1p.', 'It costs one penny.'),
    ('From 4.5p to 5p.', 'From four point five pence to five pence.'),
    ('Only 12.5p.', 'Only twelve point five pence.'),
    ('Down 0.25p.', 'Down zero point two five pence.'),
    ('Cut by 3.5p a litre.', 'Cut by three point five pence a litre.'),
    ('A 1080p screen.', 'A one thousand eighty p screen.'),
    ('It was 4.5 p.', 'It was four point five p.'),
    ('He had 720p video.', 'He had seven hundred twenty p video.'),
]

FRACTION_PHRASES = [
    ('Add 1/2 a cup.', 'Add half a cup.'),
    ('Add 1/4 of the flour.', 'Add a quarter of the flour.'),
    ('Wait 1/2 an hour.', 'Wait half an hour.'),
    ('Cut 1/3 of it.', 'Cut a third of it.'),
    ('Spend 1/2 the time.', 'Spend half the time.'),
    ('Only 1/100 of it.', 'Only a hundredth of it.'),
    ('1/2 of them left.', 'half of them left.'),
    ('Eat 1/8 of the cake.', 'Eat an eighth of the cake.'),
    ('Drink 1/2 of that.', 'Drink half of that.'),
    ('Add 1/2 of it.', 'Add half of it.'),
    ('It is 1/2.', 'It is one half.'),
    ('Add 1 1/2 cups.', 'Add one and a half cups.'),
    ('Mix 3/4 of it.', 'Mix three quarters of it.'),
    ('Add 1/4 cup.', 'Add one quarter cup.'),
    ('Open 24/7.', 'Open twenty-four seven.'),
]

MULTIPLICATION_SIGN = [
    ('A 2 × 3 metres rug.', 'A two by three metres rug.'),
    ('It was 3× faster.', 'It was three times faster.'),
    ('A 2 × 4 m room.', 'A two by four metres room.'),
    ('A 10 × 20 cm photo.', 'A ten by twenty centimetres photo.'),
    ('A 3×3 grid of squares.', 'A three by three grid of squares.'),
    ('It is 1.5× the size.', 'It is one point five times the size.'),
    ('A 1920 × 1080 pixels image.', 'A nineteen twenty by one thousand eighty pixels image.'),
    ('The 4 × 100 m relay.', 'The four by one hundred metres relay.'),
    ('It is 2×2 cells.', 'It is two by two cells.'),
    ('Grew 10×.', 'Grew ten times.'),
    ('It is 3 × 4.', 'It is three times four.'),
    ('Compute 6 × 7 now.', 'Compute six times seven now.'),
    ('A 4x4 car.', 'A four by four car.'),
]

PLURAL_INITIALISMS = [
    ('The other AIs left.', "The other A-I's left."),
    ("The AI's answer.", "The A-I's answer."),
    ("The AIs' servers.", "The A-I's' servers."),
    ('Ask the CEOs.', "Ask the C-E-O's."),
    ('Two BBCs.', "Two B-B-C's."),
    ("The FBI's files.", "The F-B-I's files."),
    ('Many PhDs.', "Many P-H-D's."),
    ('The DVDs sold.', "The D-V-D's sold."),
    ("The UK's rules.", "The U-K's rules."),
    ('Some MPs voted.', "Some M-P's voted."),
    ('AI is here.', 'A-I is here.'),
]

CLASSES = {
    "telephone": TELEPHONE_AND_SHORT_CODES,
    "version": VERSIONS_AND_MODELS,
    "hashtag": HASHTAGS_AND_HANDLES,
    "tilde": TILDE,
    "superscript": SUPERSCRIPTS,
    "section": SECTIONS,
    "military": MILITARY_TIMES,
    "magnitude": MAGNITUDE_SUFFIXES,
    "circa": CIRCA_AND_CENTURY,
    "apartment": APARTMENT_AND_MONSIEUR,
    "acronym": ACRONYMS_SAID_OR_SPELLED,
    "race": RACE_TIMES,
    "dotted": DOTTED_TIMES,
    "adjective": UNITS_AS_ADJECTIVES,
    "pence": DECIMAL_PENCE,
    "fraction": FRACTION_PHRASES,
    "times": MULTIPLICATION_SIGN,
    "plural": PLURAL_INITIALISMS,
}
CASES = [(name, written, spoken) for name, table in CLASSES.items() for written, spoken in table]


@pytest.mark.parametrize("family, written, spoken", CASES)
def test_probe(family: str, written: str, spoken: str) -> None:
    assert speak(written)[0] == spoken


@pytest.mark.parametrize("family, written, spoken", CASES)
def test_probe_output_is_stable(family: str, written: str, spoken: str) -> None:
    assert speak(spoken)[0] == spoken


def test_every_class_has_ten_cases() -> None:
    assert {name: len(table) for name, table in CLASSES.items() if len(table) < 10} == {}


# Guesses a person should hear before publishing: written, the span, marked for review?
ATTENTION = [
    ("Dial 911 now.", "911", True),  # every telephone number is checked
    ("Meet me at 4.30 tomorrow.", "4.30", True),  # a dotted time without am/pm
    ("We met at 1430; it took hours.", "1430", True),  # a military time guessed from "hours"
    ("At 0600 hours we left.", "0600", False),
    ("It has 3M users.", "3M", True),  # 3M, the company?
    ("A 1.5M budget.", "1.5M", False),
    ("The XYZQ group met.", "XYZQ", True),  # an unknown all-caps word: spelled or said?
    ("The BBC reported.", "BBC", False),
    ("WHO recommends masks.", "WHO", True),  # the organization, or shouting?
    ("The WHO declared a pandemic.", "WHO", False),
    ("M. Night Shyamalan directed it.", "M.", True),  # Monsieur, or an initial?
    ("M. Dupont arrived.", "M.", False),
]


@pytest.mark.parametrize("written, original, attention", ATTENTION)
def test_ambiguous_readings_are_marked(written: str, original: str, attention: bool) -> None:
    decisions = [d for d in speak(written)[1] if d.original == original]
    assert decisions, f"no decision for {original!r}"
    assert decisions[0].attention is attention
