"""read_essay against hostile or unlucky input: impossible and out-of-range dates, YAML alias
bombs and deep nesting, file names that cannot be written on one line, FIFOs and devices,
UTF-16 without a BOM, invalid UTF-8 inside a UTF-8 essay. Each is an Essay or that essay's own
one-line EssayError, never a traceback."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import socket
import threading
from pathlib import Path

import pytest
import yaml
from conftest import make_workspace

from audioessay.errors import EssayError
from audioessay.models import Essay
from audioessay.pipeline.essays import read_essays, write_scripts
from audioessay.pipeline.report import BuildReport
from audioessay.text.read import read_essay
from audioessay.text.review import format_review, review_lines
from audioessay.text.scriptfile import build_script
from audioessay.workspace import load_workspace


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / "seeds" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(tmp_path: Path, name: str, data: bytes | str) -> Essay:
    return read_essay(write(tmp_path, name, data), tmp_path)


def refusal(tmp_path: Path, name: str, data: bytes | str) -> EssayError:
    with pytest.raises(EssayError) as info:
        read(tmp_path, name, data)
    assert info.value.hint, "the message must say what to do"
    assert "\n" not in str(info.value)
    return info.value


def one_line(error: Exception) -> None:
    text = str(error)
    assert "\n" not in text and "\r" not in text, text
    assert text.isprintable(), text
    text.encode("utf-8")  # no surrogates: it can be printed and stored


# --------------------------------------------------------------------------- impossible dates


@pytest.mark.parametrize("value", [
    "2024-02-30", "2024-13-01", "2023-02-29", "2024-04-31", "2024-00-10", "2024-01-00", "0000-01-01",
    "2024-02-30 10:00:00", "2024-02-30T10:00:00Z", "2024-01-01 25:00:00", "2024-01-01T10:61:00",
    "2024-01-01T10:00:00+25:00",
])
def test_impossible_date_is_a_wrong_date_naming_the_key(tmp_path, value):
    error = refusal(tmp_path, "d.md", f"---\ndate: {value}\n---\nText.\n")
    assert "'date' must be a date" in error.message and value.split()[0][:4] in error.message


@pytest.mark.parametrize("key", ["updated", "created", "reviewed_on", "Date"])
def test_impossible_date_under_another_key_stays_text(tmp_path, key):
    essay = read(tmp_path, "d.md", f"---\n{key}: 2024-02-30\nlist: [2024-13-01, 2024-05-01]\n---\nText.\n")
    meta = dict(essay.meta)
    assert meta[key] == "2024-02-30"
    assert meta["list"] == ["2024-13-01", dt.date(2024, 5, 1)]


VALID_TIMESTAMPS = [
    "2024-05-01", "2024-02-29", "2024-05-01 10:30:00", "2024-05-01T10:30:00Z", "2024-05-01t10:30:00.5z",
    "2024-05-01 10:30:00 +02:00", "2024-05-01T10:30:00-05:30", "2024-5-1 1:2:3", "1999-12-31T23:59:59.123456+14",
]


def test_valid_dates_load_exactly_as_safe_load_did(tmp_path):
    lines = "".join(f"k{i}: {value}\n" for i, value in enumerate(VALID_TIMESTAMPS))
    essay = read(tmp_path, "d.md", f"---\n{lines}bad: 2024-02-30\n---\nText.\n")
    meta = dict(essay.meta)
    expected = yaml.safe_load(lines)
    for key, value in expected.items():
        assert meta[key] == value and type(meta[key]) is type(value), key
        if isinstance(value, dt.datetime):
            assert meta[key].tzinfo == value.tzinfo and meta[key].utcoffset() == value.utcoffset()
    assert meta["bad"] == "2024-02-30"


# --------------------------------------------------------------------------- dates out of range


@pytest.mark.parametrize("value", [
    "0001-01-01T00:00:00+14:00",  # overflows when converted to UTC
    "0001-01-01 00:30:00 +01:00",
    "9999-12-31T23:00:00-05:00",  # the same at the other end
    "0999-12-31", "'0999-12-31'", "0500-06-01 10:00:00", "'0042-01-01T00:00:00+00:00'",
    "1000-01-01T00:30:00+01:00",  # 999-12-31 in UTC
])
def test_date_out_of_range_is_refused_naming_the_range(tmp_path, value):
    error = refusal(tmp_path, "d.md", f"---\ndate: {value}\n---\nText.\n")
    assert "'date'" in error.message and "1000-01-01 to 9999-12-31" in error.message


@pytest.mark.parametrize("value, year", [
    ("1000-01-01", 1000), ("'1000-01-01T00:00:00+00:00'", 1000), ("9999-12-31", 9999),
    ("9999-12-31T10:00:00+05:00", 9999), ("0999-12-31T23:30:00-01:00", 1000),
])
def test_dates_at_the_ends_of_the_range_are_read(tmp_path, value, year):
    essay = read(tmp_path, "ok.md", f"---\ndate: {value}\n---\nText.\n")
    assert essay.date is not None and essay.date.astimezone(dt.UTC).year == year
    assert refusal(tmp_path, "bad.md", "---\ndate: 0001-01-01T00:00:00+14:00\n---\nText.\n")


# --------------------------------------------------------------------------- YAML aliases and depth


BILLION_LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize("front, line", [
    (BILLION_LAUGHS, 3),
    ("a: &x [*x]", 2),  # refers to itself
    ("a: &x {b: *x}", 2),
    ("base: &base {title: T}\nother:\n  <<: *base", 4),  # a merge key is an alias too
    ("title: &t Hello\nauthor: *t", 3),
])
def test_yaml_aliases_are_refused(tmp_path, front, line):
    error = refusal(tmp_path, "a.md", f"---\n{front}\n---\nText.\n")
    assert "alias" in error.message and f"line {line}" in error.message


def test_billion_laughs_is_refused_through_the_memo(tmp_path):
    from audioessay.text.memo import EssayMemo

    memo = EssayMemo(tmp_path / ".audioessay")
    smaller = "".join(BILLION_LAUGHS.splitlines(keepends=True)[:5])  # 9**5 items when expanded
    for front in (smaller, BILLION_LAUGHS):
        with pytest.raises(EssayError, match="alias"):
            read_essay(write(tmp_path, "bomb.md", f"---\n{front}---\nText.\n"), tmp_path, memo=memo)


@pytest.mark.parametrize("front", ["a: " + "[" * 3000 + "]" * 3000, "a: " + "{b: " * 3000 + "c" + "}" * 3000,
                                   "a:\n" + "".join("  " * i + "- \n" for i in range(1, 80))])
def test_deeply_nested_front_matter_is_refused(tmp_path, front):
    error = refusal(tmp_path, "deep.md", f"---\n{front}\n---\nText.\n")
    assert "nested" in error.message


@pytest.mark.parametrize("digits", ["1" * 5000, "-" + "9" * 4400, "0x" + "f" * 6000, "1:" * 2000 + "1"])
def test_very_long_integer_stays_text(tmp_path, digits):
    essay = read(tmp_path, "n.md", f"---\nnumber: {digits}\n---\nText.\n")
    assert dict(essay.meta)["number"] == digits


# --------------------------------------------------------------------------- file names


BAD_NAMES = [
    ("new\nline.md", "line break"),
    ("carriage\rreturn.md", "line break"),
    ("bell\x07.md", "control character"),
    ("tab\there.md", "control character"),
    ("sep\u2028arator.md", "line break"),
    (os.fsdecode(b"caf\xe9.md"), "not valid UTF-8"),  # Latin-1 bytes: a surrogate escape in Python
    (os.fsdecode(b"\xff\xfe broken.txt"), "not valid UTF-8"),
]


def _make(tmp_path: Path, name: str, text: str = "# Title\n\nA sentence.\n") -> Path:
    path = tmp_path / "seeds" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_text(text, encoding="utf-8")
    except (OSError, UnicodeEncodeError) as exc:
        pytest.fail(f"this file system refuses the name (Linux file systems take any byte but / and NUL): {exc}")
    return path


@pytest.mark.parametrize("name, what", BAD_NAMES)
def test_unwritable_file_name_is_a_one_line_error(tmp_path, name, what):
    with pytest.raises(EssayError) as info:
        read_essay(_make(tmp_path, name), tmp_path)
    one_line(info.value)
    assert what in info.value.message and info.value.hint and "rename" in info.value.hint
    assert info.value.path is not None and info.value.path.startswith("'seeds/")


def test_escaped_name_shows_the_bytes(tmp_path):
    with pytest.raises(EssayError) as info:
        read_essay(_make(tmp_path, os.fsdecode(b"caf\xe9\nx.md")), tmp_path)
    assert info.value.path == "'seeds/caf\\xe9\\nx.md'"


@pytest.mark.parametrize("name", ["café.md", "emoji 👨\u200d👩.md", "ünï cödé – “q”.md", "a\u00a0b 'q'.md"])
def test_unusual_but_writable_names_are_read(tmp_path, name):
    essay = read_essay(_make(tmp_path, name), tmp_path)
    assert essay.title == "Title" and essay.source == Path("seeds") / name
    with pytest.raises(EssayError):  # and the unwritable ones next to them are not
        read_essay(_make(tmp_path, "x\ny.md"), tmp_path)


def test_bad_names_fail_alone_in_a_batch(tmp_path):
    root = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    for name, _ in BAD_NAMES:
        try:
            (root / "seeds" / name).write_text("# Title\n\nA sentence.\n", encoding="utf-8")
        except (OSError, UnicodeEncodeError):
            continue
    ws = load_workspace(root)
    report = BuildReport()
    essays = read_essays(ws, (), report)
    assert [e.source.name for e in essays] == ["notes-on-walking.txt"]
    assert report.errors and len(report.errors) == len(list((root / "seeds").iterdir())) - 1
    for error in report.errors:
        assert "\n" not in error["message"] and error["message"].isprintable()
        error["message"].encode("utf-8")
    scripts = write_scripts(ws, ())  # the whole stage: the good essay gets its script
    assert [e.slug for e in scripts.episodes] == [essays[0].slug]
    assert len(scripts.errors) == len(report.errors)


# --------------------------------------------------------------------------- not regular files


def _read_in_thread(path: Path, root: Path) -> tuple[threading.Thread, list[BaseException | Essay]]:
    result: list[BaseException | Essay] = []

    def run() -> None:
        try:
            result.append(read_essay(path, root))
        except BaseException as exc:  # noqa: BLE001 (the test looks at it)
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    return thread, result


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "seeds" / "pipe.md"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    thread, result = _read_in_thread(fifo, tmp_path)
    if thread.is_alive():  # the old code waits for a writer: give it one, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail("reading a FIFO blocked")
    assert isinstance(result[0], EssayError) and "named pipe" in result[0].message
    one_line(result[0])


def test_device_is_refused(tmp_path):
    link = tmp_path / "seeds" / "null.md"
    link.parent.mkdir()
    link.symlink_to("/dev/null")
    with pytest.raises(EssayError, match="is a device"):
        read_essay(link, tmp_path)


def test_socket_is_refused(tmp_path):
    path = tmp_path / "seeds" / "s.md"
    path.parent.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
    except OSError as exc:  # a path too long for a socket address
        pytest.fail(f"cannot make the socket (its path is too long for one?): {exc}")
    try:
        with pytest.raises(EssayError, match="is a socket"):
            read_essay(path, tmp_path)
    finally:
        server.close()


def test_fifo_given_to_read_essays_fails_alone(tmp_path):
    root = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    os.mkfifo(root / "seeds" / "pipe.md")
    ws = load_workspace(root)
    report = BuildReport()
    done: list[list[Essay]] = []
    paths = (root / "seeds" / "pipe.md", root / "seeds" / "notes-on-walking.txt")
    thread = threading.Thread(target=lambda: done.append(read_essays(ws, paths, report)), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():
        os.close(os.open(root / "seeds" / "pipe.md", os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail("reading a FIFO blocked")
    assert [e.source.name for e in done[0]] == ["notes-on-walking.txt"]
    assert "named pipe" in report.errors[0]["message"]


# --------------------------------------------------------------------------- UTF-16 without a BOM


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [
    "# Café – “Title”\n\nBody text, crème brûlée.\n",
    "Plain Title\nA line of prose.\r\nAnother line.\r\n",
    "---\ntitle: Front Matter\n---\nÜbermäßig schön.\n",
])
def test_utf16_without_bom_is_read(tmp_path, encoding, text):
    essay = read(tmp_path, "u16.md", text.encode(encoding))
    same = read(tmp_path, "u8.md", text.encode("utf-8"))
    assert (essay.title, essay.blocks) == (same.title, same.blocks)


@pytest.mark.parametrize("data", [
    bytes(200),  # all NUL
    b"\x01\x00\x00\x00\x02\x00\x00\x00" * 50,  # 32-bit integers
    b"\x05\x00\x06\x00\x07\x00\x08\x00" * 50,  # 16-bit integers: odd bytes NUL, but not text
    b"Hello there\x00\x00\x01 world\n" * 20,
    b"Text with one NUL\x00 in the middle of it.\n" * 5,
    "# Title\n\nText.\n".encode("utf-16-le") + b"\x00",  # odd length
])
def test_binary_with_nuls_is_still_refused_next_to_utf16(tmp_path, data):
    error = refusal(tmp_path, "bin.md", data)
    assert "binary" in error.message or "NUL" in error.message
    assert read(tmp_path, "ok.md", "# Title\n\nText.\n".encode("utf-16-le")).title == "Title"


# --------------------------------------------------------------------------- invalid UTF-8


@pytest.mark.parametrize("data, word", [
    ("# Title\n\nI don’t like the caf".encode() + b"\xe9" + " in the “middle”.\n".encode(), "caf\ufffd"),
    ("# Naïve\n\nA résumé, a ".encode() + b"\xff\xfe" + " façade and a niño.\n".encode(), "\ufffd"),
    ("# Title\n\nEmoji 😀 and ".encode() + b"bad\x80byte" + " – dash.\n".encode(), "bad\ufffdbyte"),
    ("# Title\n\nA sentence that was cut short — in the middle of a quote ".encode()
     + "“".encode()[:2], "\ufffd"),
])
def test_invalid_utf8_in_a_utf8_essay_is_replaced_and_marked(tmp_path, data, word):
    essay = read(tmp_path, "bad.md", data)
    text = " ".join(b.text for b in essay.blocks)
    assert word in text and "â" not in text and "Ã" not in text  # no cp1252 mojibake
    script_path = tmp_path / "output" / essay.slug / "script.txt"
    script, decisions = build_script(essay, "en", {})
    marked = [d for d in decisions if d.rule == "invalid UTF-8 bytes in the essay"]
    assert marked and all(d.attention and d.line > 0 and "\ufffd" not in d.spoken for d in marked)
    assert "\ufffd" not in "".join(s for s in script.sentences())
    review = format_review(review_lines(essay, script_path))
    assert "! line" in review and "invalid UTF-8 bytes in the essay" in review


@pytest.mark.parametrize("text, encoding", [
    ("Café crème, naïve façade.\nÜbermäßig schön.", "cp1252"),
    ("It was 1990\u20131995 \u2014 \u201cthe good years\u201d.", "cp1252"),
    ("Grüße aus München.", "latin-1"),
    ("Mot de la fin : café", "cp1252"),  # a single last byte 0xE9 is "é", not a cut character
])
def test_western_files_still_decode_as_before(tmp_path, text, encoding):
    essay = read(tmp_path, "w.txt", f"Title\n{text}\n".encode(encoding))
    assert " ".join(b.text for b in essay.blocks) == " ".join(text.split())
    mixed = read(tmp_path, "m.txt", f"Title\n{text} “x”\n".encode() + b"\xe9 end.\n")
    assert "\ufffd" in " ".join(b.text for b in mixed.blocks)  # a stray byte in UTF-8: replaced


def test_utf16_bom_files_unchanged(tmp_path):
    data = codecs.BOM_UTF16_LE + "# T\n\nBody “text”.\n".encode("utf-16-le")
    assert read(tmp_path, "b.md", data).blocks[0].text == "Body “text”."
    assert read(tmp_path, "nb.md", data[2:]).blocks[0].text == "Body “text”."


@pytest.mark.parametrize("front_matter, key", [
    ('title: "\\ud800 bad"', "title"),
    ('description: "ok \\udfff"', "description"),
    ('tags: ["fine", "\\ud83d"]', "tags"),
    ('extra:\n  nested: "\\udc80"', "extra"),
])
def test_an_escaped_surrogate_in_front_matter_becomes_a_replacement_character(tmp_path: Path, front_matter: str,
                                                                             key: str) -> None:
    """A lone surrogate cannot be written to the script, ledger or feed (it stopped a render): it
    is read as U+FFFD, which the script flags for review like an undecodable byte."""
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    path = seeds / "x.md"
    path.write_text(f"---\n{front_matter}\n---\nHello there.\n", encoding="utf-8")
    essay = read_essay(path, tmp_path)
    meta = repr(dict(essay.meta)[key])
    assert "\\ufffd" in meta or "\ufffd" in meta
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in essay.title + repr(essay.meta))
