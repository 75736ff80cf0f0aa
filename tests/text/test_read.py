"""read_essay: decoding, refusals, front matter, titles, slugs. Real files under tmp_path."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import zlib
from pathlib import Path

import pytest
from conftest import REPO, TESTS

from audioessay.errors import EssayError
from audioessay.text.read import read_essay, slugify, unique_slugs

ROOT = REPO
SAMPLE = ROOT / "seeds" / "her-ending-explained-emotionally.txt"
CORPUS = TESTS / "corpus" / "text"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / "seeds" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(tmp_path: Path, name: str, data: bytes | str, **kwargs) -> object:
    return read_essay(write(tmp_path, name, data), tmp_path, **kwargs)


def refusal(tmp_path: Path, name: str, data: bytes | str, **kwargs) -> EssayError:
    with pytest.raises(EssayError) as info:
        read(tmp_path, name, data, **kwargs)
    error = info.value
    assert error.path == f"seeds/{name}", "the message must name the file (relative to the root)"
    assert error.hint, "the message must say what to do"
    return error


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", "\ufeff  \n".encode("utf-8"), b"\xef\xbb\xbf"])
def test_empty_or_whitespace_only_is_refused(tmp_path, data):
    error = refusal(tmp_path, "empty.md", data)
    assert "empty" in error.message


def test_utf16_whitespace_only_is_refused(tmp_path):
    error = refusal(tmp_path, "blank.txt", codecs.BOM_UTF16_LE + " \n\t\n".encode("utf-16-le"))
    assert "empty" in error.message


@pytest.mark.parametrize(
    "data, what",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100), "JPEG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(50), "ZIP"),
    ],
)
def test_known_binary_formats_are_refused(tmp_path, data, what):
    error = refusal(tmp_path, "essay.md", data)
    assert what in error.message and "not text" in error.message


def test_nul_bytes_are_refused(tmp_path):
    error = refusal(tmp_path, "essay.txt", b"Hello there\x00\x00\x01 world\n" * 20)
    assert "NUL" in error.message


def test_compressed_data_is_refused(tmp_path):
    data = zlib.compress(b"an essay that was compressed by mistake " * 200)
    refusal(tmp_path, "essay.txt", data.replace(b"\x00", b"\x01"))


def test_mostly_undecodable_bytes_are_refused(tmp_path):
    # High bytes with cp1252's undefined 0x81/0x8d/0x8f/0x90/0x9d and control characters.
    data = bytes([0x81, 0x8D, 0x02, 0x90, 0x9D, 0x03, 0x8F, 0xC3]) * 300
    error = refusal(tmp_path, "essay.txt", data)
    assert "text" in error.message


def test_too_big_names_size_limit_and_config_key(tmp_path):
    error = refusal(tmp_path, "long.md", "word " * 300, max_bytes=1000)
    assert "1,500 bytes" in error.message and "1,000" in error.message
    assert "text.max_bytes" in error.hint


def test_exactly_at_the_limit_is_read(tmp_path):
    essay = read(tmp_path, "edge.txt", "Title\n" + "a" * 992 + ".\n", max_bytes=1000)
    assert essay.title == "Title"


def test_other_suffix_is_refused(tmp_path):
    error = refusal(tmp_path, "essay.docx", "Some text.")
    assert ".md" in error.message


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(EssayError, match="does not exist"):
        read_essay(tmp_path / "seeds" / "nope.md", tmp_path)


def test_utf16_bom_with_invalid_data_is_refused(tmp_path):
    error = refusal(tmp_path, "essay.txt", codecs.BOM_UTF16_LE + b"a\x00\x00\xd8")
    assert "UTF-16" in error.message


# --------------------------------------------------------------------------- decoding


def test_cp1252_en_dash_and_smart_quotes(tmp_path):
    prose = ("It was 1990\u20131995 \u2014 \u201cthe good years\u201d, as they don\u2019t say. "
             "Caf\u00e9 cr\u00e8me.")
    essay = read(tmp_path, "win.txt", f"A Western Essay\n{prose}\n".encode("cp1252"))
    assert essay.title == "A Western Essay"
    assert essay.blocks[0].text == prose


def test_latin1_reads_as_latin1(tmp_path):
    essay = read(tmp_path, "latin.txt", "Übermäßig\nGrüße aus München, schön.\n".encode("latin-1"))
    assert essay.title == "Übermäßig" and essay.blocks[0].text == "Grüße aus München, schön."


def test_cyrillic_cp1251_is_detected(tmp_path):
    text = "Заголовок\nПривет, мир. Это русский текст о жизни, работе и книгах.\n"
    essay = read(tmp_path, "ru.txt", text.encode("cp1251"))
    assert essay.blocks[0].text.startswith("Привет, мир.")


def test_utf8_bom_and_crlf(tmp_path):
    data = codecs.BOM_UTF8 + b"# Title\r\n\r\nFirst line\r\nwrapped.\r\n\r\nSecond.\r\n"
    essay = read(tmp_path, "bom.md", data)
    assert essay.title == "Title"
    assert [(b.text, b.line) for b in essay.blocks] == [("First line wrapped.", 3), ("Second.", 6)]
    assert "\r" not in "".join(b.text for b in essay.blocks)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, encoding):
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    essay = read(tmp_path, "u16.md", bom + "# Ünïcode – Title\n\nBody “text”.\n".encode(encoding))
    assert essay.title == "Ünïcode – Title" and essay.blocks[0].text == "Body “text”."


def test_mixed_line_endings_keep_line_numbers(tmp_path):
    essay = read(tmp_path, "mixed.md", b"# T\r\n\rOne.\n\r\nTwo.\r\rThree.\n")
    assert [(b.text, b.line) for b in essay.blocks] == [("One.", 3), ("Two.", 5), ("Three.", 7)]


def test_mojibake_is_repaired(tmp_path):
    essay = read(tmp_path, "moji.txt", "Title\nI donâ€™t know â€“ really.\n")
    assert essay.blocks[0].text == "I don’t know – really."


def test_curly_quotes_are_kept_as_written(tmp_path):
    essay = read(tmp_path, "q.txt", "Title\n“Yes,” she said — it’s ‘fine’.\n")
    assert essay.blocks[0].text == "“Yes,” she said — it’s ‘fine’."


def test_unicode_is_nfc(tmp_path):
    essay = read(tmp_path, "nfd.txt", "Title\nCafe\u0301 au lait.\n")
    assert essay.blocks[0].text == "Caf\u00e9 au lait."


def test_committed_corpus_files_all_read(tmp_path):
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".md", ".txt"):
            essay = read_essay(path, ROOT)
            assert essay.blocks, path


# --------------------------------------------------------------------------- front matter


FULL = """---
title: "My Essay: A Subtitle"
author: Ann Author
date: 2024-05-01
description: A short description.
slug: my-essay
explicit: true
episode: 7
voice: en-us
engine: espeak-ng
rate: 180
tags: [a, b]
custom: {nested: 1}
---
# My Essay: A Subtitle

Body text.
"""


def test_front_matter_fields(tmp_path):
    essay = read(tmp_path, "full.md", FULL)
    assert essay.title == "My Essay: A Subtitle"
    assert essay.author == "Ann Author"
    assert essay.date == dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    assert essay.description == "A short description."
    assert essay.slug == "my-essay"
    assert essay.explicit is True and essay.episode == 7 and essay.rate == 180
    assert essay.voice == "en-us" and essay.engine == "espeak-ng"
    meta = dict(essay.meta)
    assert meta["tags"] == ["a", "b"] and meta["custom"] == {"nested": 1} and meta["episode"] == 7
    # The heading repeats the title: it is not read twice.
    assert [(b.kind, b.text, b.line) for b in essay.blocks] == [("paragraph", "Body text.", 17)]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-05-01 10:30:00", dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC)),
        ('"2024-05-01T10:30:00+02:00"', dt.datetime(2024, 5, 1, 8, 30, tzinfo=dt.UTC)),
        ('"2024-05-01"', dt.datetime(2024, 5, 1, tzinfo=dt.UTC)),
    ],
)
def test_front_matter_dates(tmp_path, value, expected):
    essay = read(tmp_path, "d.md", f"---\ndate: {value}\n---\nText.\n")
    assert essay.date == expected and essay.date.tzinfo is not None


def test_empty_front_matter_is_fine(tmp_path):
    essay = read(tmp_path, "e.md", "---\n---\n# Title\n\nText.\n")
    assert essay.title == "Title" and essay.meta == ()


def test_front_matter_in_txt(tmp_path):
    essay = read(tmp_path, "e.txt", "---\ntitle: From Front Matter\n---\nFirst line of prose.\nSecond.\n")
    assert essay.title == "From Front Matter"
    assert [b.text for b in essay.blocks] == ["First line of prose.", "Second."]


@pytest.mark.parametrize(
    "front, fragment",
    [
        ("title: [unclosed", "not valid YAML on line 2"),
        ("title: a\n  bad: indent", "not valid YAML"),
        ("- a list\n- not a mapping", "not a list"),
        ("just a string", "not a str"),
        ("title: 1984", "'title' must be text"),
        ("title: ''", "'title' is empty"),
        ("author: [a, b]", "'author' must be text"),
        ("description: 12", "'description' must be text"),
        ("slug: [x]", "'slug' must be text"),
        ("voice: 3", "'voice' must be text"),
        ("episode: 0", "'episode' must be between 1"),
        ("episode: -2", "'episode' must be between 1"),
        ("episode: '3'", "'episode' must be a whole number"),
        ("episode: 2.5", "'episode' must be a whole number"),
        ("episode: true", "'episode' must be a whole number"),
        ("explicit: 'yes'", "'explicit' must be true or false"),
        ("explicit: 1", "'explicit' must be true or false"),
        ("date: not a date", "'date' must be a date"),
        ("date: 20240501", "'date' must be a date"),
        ("rate: fast", "'rate' must be a whole number"),
        ("rate: 5", "'rate' must be between 80 and 450"),
    ],
)
def test_bad_front_matter_is_refused(tmp_path, front, fragment):
    error = refusal(tmp_path, "fm.md", f"---\n{front}\n---\n# T\n\nText.\n")
    assert fragment in error.message


def test_unclosed_front_matter_is_refused(tmp_path):
    error = refusal(tmp_path, "fm.md", "---\ntitle: x\n\nText.\n")
    assert "never closed" in error.message


def test_yaml_is_loaded_safely(tmp_path):
    error = refusal(tmp_path, "fm.md", "---\ntitle: !!python/object/apply:os.system ['true']\n---\nText.\n")
    assert "YAML" in error.message


def test_title_number_hint_says_to_quote(tmp_path):
    error = refusal(tmp_path, "fm.md", "---\ntitle: 1984\n---\nText.\n")
    assert 'title: "1984"' in error.hint


# --------------------------------------------------------------------------- titles


def test_title_from_first_heading_is_not_read_twice(tmp_path):
    essay = read(tmp_path, "h.md", "Intro words are here.\n\n## Later Heading\n\nMore.\n")
    assert essay.title == "Later Heading"
    assert [b.kind for b in essay.blocks] == ["paragraph", "heading", "paragraph"]
    essay = read(tmp_path, "h1.md", "# *The* Title\n\nBody.\n")
    assert essay.title == "The Title" and [b.text for b in essay.blocks] == ["Body."]


def test_md_title_from_first_line(tmp_path):
    essay = read(tmp_path, "l.md", "A Plain Title Line\n\nBody paragraph here.\n")
    assert essay.title == "A Plain Title Line" and [b.text for b in essay.blocks] == ["Body paragraph here."]
    essay = read(tmp_path, "p.md", "This first line is prose.\nIt wraps.\n\nNext.\n")
    assert essay.title == "This first line is prose."
    assert essay.blocks[0].text == "This first line is prose. It wraps."


def test_txt_title_line_rules(tmp_path):
    essay = read(tmp_path, "a.txt", "\n\nA Title\nThe body.\n")
    assert essay.title == "A Title" and [(b.text, b.line) for b in essay.blocks] == [("The body.", 4)]
    # A first line that ends like a sentence is prose: it stays in the body.
    essay = read(tmp_path, "b.txt", "It was a dark night.\nThen morning came.\n")
    assert essay.title == "It was a dark night." and len(essay.blocks) == 2
    # A long first line is prose too.
    long_line = "word " * 40
    essay = read(tmp_path, "c.txt", long_line + "\nMore.\n")
    assert len(essay.blocks) == 2
    # A single line is both title and body (the essay must say something).
    essay = read(tmp_path, "d.txt", "Only Line\n")
    assert essay.title == "Only Line" and [b.text for b in essay.blocks] == ["Only Line"]


def test_title_falls_back_to_file_name(tmp_path):
    essay = read(tmp_path, "my_great-essay.md", "```\ncode only\n```\n")
    assert essay.title == "my great essay" and essay.blocks == ()


def test_five_thousand_character_title(tmp_path):
    title = ("Very long title words " * 250)[:5000]
    essay = read(tmp_path, "t.md", f"---\ntitle: \"{title}\"\n---\nBody.\n")
    assert len(essay.title) <= 300 and essay.title.endswith("…")
    assert "  " not in essay.title
    essay = read(tmp_path, "t2.md", "# " + title + "\n\nBody.\n")
    assert len(essay.title) <= 300
    essay = read(tmp_path, "t3.txt", "x" * 5000 + "\nBody.\n")
    assert len(essay.title) <= 300


def test_title_whitespace_is_collapsed(tmp_path):
    essay = read(tmp_path, "w.md", "---\ntitle: \"  Spaced\\t  out\\n title \"\n---\nBody.\n")
    assert essay.title == "Spaced out title"


# --------------------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    "text, slug",
    [
        ("../../etc/x", "etc-x"),
        ("Hello, World!", "hello-world"),
        ("Ünïcödé Café Crème", "unicode-cafe-creme"),
        ("a..b", "a-b"),
        ("--x--", "x"),
        ("日本語", ""),
        ("C:\\Windows\\System32", "c-windows-system32"),
        ("a" * 200, "a" * 80),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_front_matter_slug_is_sanitized(tmp_path):
    essay = read(tmp_path, "s.md", "---\nslug: ../../etc/x\n---\nBody.\n")
    assert essay.slug == "etc-x"


def test_slug_from_non_ascii_stem(tmp_path):
    assert read(tmp_path, "Über Café.md", "# Title\n\nBody.\n").slug == "uber-cafe"
    # Nothing ASCII in the name: the title is tried, then a fixed fallback.
    assert read(tmp_path, "日本語.md", "# Good Title\n\nBody.\n").slug == "good-title"
    assert read(tmp_path, "日本.md", "# 東京\n\n本文。\n").slug == "episode"


def test_slugs_are_always_safe(tmp_path):
    for name in ("..md", "-.txt", "....md"):
        essay = read(tmp_path, name, "Title\nBody.\n")
        assert essay.slug and ".." not in essay.slug and "/" not in essay.slug
        assert set(essay.slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_same_title_essays_get_unique_slugs(tmp_path):
    a = read(tmp_path, "a.md", "---\ntitle: Same\nslug: same\n---\nOne.\n")
    b = read(tmp_path, "b.md", "---\ntitle: Same\nslug: same\n---\nTwo.\n")
    c = read(tmp_path, "c.md", "---\ntitle: Same\nslug: same\n---\nThree.\n")
    result = unique_slugs([a, b, c])
    assert [e.slug for e in result] == ["same", "same-2", "same-3"]
    assert [e.title for e in result] == ["Same"] * 3


def test_unique_slugs_keeps_explicit_suffixed_slugs(tmp_path):
    a = read(tmp_path, "a.md", "---\nslug: her\n---\nOne.\n")
    b = read(tmp_path, "b.md", "---\nslug: her\n---\nTwo.\n")
    c = read(tmp_path, "c.md", "---\nslug: her-2\n---\nThree.\n")
    assert [e.slug for e in unique_slugs([a, b, c])] == ["her", "her-3", "her-2"]


def test_unique_slugs_stay_within_80_characters(tmp_path):
    long = "x" * 80
    a = read(tmp_path, "a.md", f"---\nslug: {long}\n---\nOne.\n")
    b = read(tmp_path, "b.md", f"---\nslug: {long}\n---\nTwo.\n")
    slugs = [e.slug for e in unique_slugs([a, b])]
    assert slugs[0] == long and slugs[1].endswith("-2") and len(slugs[1]) == 80


# --------------------------------------------------------------------------- the sample essay


def test_sample_essay():
    essay = read_essay(SAMPLE, ROOT)
    assert essay.source == Path("seeds/her-ending-explained-emotionally.txt")
    assert essay.source_sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert essay.title == "Her Ending Explained Emotionally"
    assert essay.slug == "her-ending-explained-emotionally"
    assert len(essay.blocks) == 4 and all(b.kind == "paragraph" for b in essay.blocks)
    spoken = " ".join(b.text for b in essay.blocks)
    assert "http" not in spoken and "www" not in spoken and "Sources" not in spoken
    assert "beyond one person." in spoken
    assert [link.url for link in essay.links] == [
        "https://www.youtube.com/watch?v=WGn5y9FQClU",
        "https://laetitiaatwork.substack.com/p/your-choice-trophy-wife-or-servant",
    ]
    assert [b.line for b in essay.blocks] == [2, 3, 4, 5]
    assert essay.description.startswith("Her is a 2013 movie") and len(essay.description) <= 400
    assert "http" not in essay.description


def test_source_is_relative_posix(tmp_path):
    path = write(tmp_path, "sub/deep.md", "Text here.\n")
    assert read_essay(path, tmp_path).source.as_posix() == "seeds/sub/deep.md"


def test_description_from_first_paragraph_is_capped(tmp_path):
    paragraph = "This sentence has some words in it. " * 30
    essay = read(tmp_path, "d.md", "# T\n\n" + paragraph + "https://x.com/a\n\nSecond.\n")
    assert len(essay.description) <= 400 and essay.description.endswith("…")
    assert "http" not in essay.description and not essay.description[:-1].endswith(" ")


def test_corpus_cp1252_crlf():
    essay = read_essay(CORPUS / "cp1252-crlf.txt", ROOT)
    assert essay.source.as_posix() == "tests/corpus/text/cp1252-crlf.txt"
    assert essay.title == "A Windows Essay"
    assert essay.blocks[0].text == (
        "It was 1990\u20131995 \u2014 \u201cthe good years\u201d, as they don\u2019t say."
    )


def test_corpus_utf8_bom_crlf():
    essay = read_essay(CORPUS / "utf8-bom-crlf.md", ROOT)
    assert essay.title == "BOM and CRLF"
    assert [(b.text, b.line) for b in essay.blocks] == [("A paragraph wrapped.", 3)]


def test_corpus_mojibake():
    essay = read_essay(CORPUS / "mojibake.txt", ROOT)
    assert essay.blocks[0].text == "I don\u2019t know \u2013 really."


def test_heading_that_starts_the_front_matter_title_is_not_read_twice(tmp_path):
    text = "---\ntitle: \"Radio Drama: Voices\"\n---\n# Radio Drama\n\nText.\n\n# Other\n\nMore.\n"
    essay = read(tmp_path, "r.md", text)
    assert [b.text for b in essay.blocks] == ["Text.", "Other", "More."]
    essay = read(tmp_path, "s.md", "---\ntitle: Something Else\n---\n# Radio Drama\n\nText.\n")
    assert [b.text for b in essay.blocks] == ["Radio Drama", "Text."]


def test_text_that_starts_like_a_magic_number_is_still_text(tmp_path):
    essay = read(tmp_path, "id3.txt", "ID3 Tags Explained\nRIFF files and ID3 tags hold metadata.\n")
    assert essay.title == "ID3 Tags Explained"


@pytest.mark.parametrize("data", [b"ID3\x04\x00\x00\x00\x00\x00\x0f" + b"\xff" * 40,
                                  b"RIFF\x24\x08\x00\x00WAVEfmt " + b"\x01" * 40])
def test_audio_files_are_refused(tmp_path, data):
    refusal(tmp_path, "audio.txt", data)
