#!/usr/bin/env python3
"""Adversarial pass over the real audioessay CLI.

    .venv/bin/python scripts/adversarial.py [--quick] [--out /tmp/adv.json] [--only SUBSTR] [--keep]

Creates throw-away workspaces under a temporary folder (each a copy of one rendered base workspace
made with `audioessay init`), throws bad inputs at the CLI in subprocesses (each with a timeout; a
timeout is a HANG and the process group is killed) and records, per case: the commands, exit codes,
tracebacks / "Exception ignored", hangs, whether the error is one line naming the file, and data
loss (essays, hand-edited scripts, ledger guids, feed enclosures and their lengths, `audioessay
check` after every render that exited). Prints a summary and writes JSON to --out.

Needs root for the read-only / full-disk tmpfs cases (skipped otherwise).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AE = str(REPO / ".venv" / "bin" / "audioessay")
TIMEOUT = 60
QUICK = False
ROOT: Path = Path("/tmp")
BASE: Path = Path("/tmp")
BASE_INFO: dict = {}
RESULTS: list[dict] = []
CASES: list[tuple[str, str, str, object, bool]] = []  # id, group, desc, fn, quick

TB = "Traceback (most recent call last)"
EXC_IGN = "Exception ignored"

SECOND_MD = """---
title: A second essay
---
# Part one

Short and plain. Two sentences here.
"""


def case(group: str, cid: str, desc: str, quick: bool = False):
    def deco(fn):
        CASES.append((f"{group}/{cid}", group, desc, fn, quick))
        return fn

    return deco


# --------------------------------------------------------------------------- running commands


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def run_raw(args, cwd, timeout=TIMEOUT, env=None, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL):
    """Run the CLI in its own process group; returns (rc, out, err, hung, secs)."""
    full = [AE, *args]
    t0 = time.monotonic()
    e = dict(os.environ)
    e.pop("AUDIOESSAY_SCHEDULER", None)
    e.pop("AUDIOESSAY_STORE", None)
    e["COLUMNS"] = "200"
    if env:
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
    p = subprocess.Popen(full, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, stdin=stdin,
                         env=e, start_new_session=True)
    hung = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        hung = True
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
    # anything left in the group (workers) goes too
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return p.returncode, out or b"", err or b"", hung, time.monotonic() - t0


def show_arg(a) -> str:
    if isinstance(a, bytes):
        return repr(a)[1:]
    s = str(a)
    if len(s) > 80:
        s = s[:60] + f"...({len(s)} chars)"
    return repr(s) if (not s or any(c in s for c in " \n\r\t'\"")) else s


class Ctx:
    def __init__(self, cid: str, group: str, desc: str):
        self.cid, self.group, self.desc = cid, group, desc
        self.dir = ROOT / "cases" / re.sub(r"[^A-Za-z0-9_.-]", "_", cid)
        self.ws: Path | None = None
        self.steps: list[dict] = []
        self.issues: list[str] = []
        self.notes: list[str] = []
        self.protected: dict[bytes, bytes | None] = {}
        self.rendered = False
        self.expect_ledger = True
        self.expect_feed = True
        self.skip_check = False
        self.ledger_must_keep = True
        self.before_outside: set[str] = set()

    # workspace
    def fresh(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ws = self.dir / "ws"
        shutil.copytree(BASE, self.ws, symlinks=True)
        self.before_outside = set(os.listdir(self.dir))
        for p in (self.ws / "seeds").iterdir():
            self.protect(p)
        return self.ws

    def protect(self, path, content: bytes | None = None):
        """Path (str/Path/bytes) must keep this content (default: current) to the end."""
        bp = os.fsencode(path)
        if content is None:
            with open(bp, "rb") as f:
                content = f.read()
        self.protected[bp] = content

    def write(self, rel, data, mode="wb"):
        p = os.path.join(os.fsencode(self.ws), os.fsencode(rel))
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(p, "wb") as f:
            f.write(data)
        return p

    def note(self, s):
        self.notes.append(s)

    def issue(self, s):
        self.issues.append(s)

    def run(self, *args, expect="any", names=(), timeout=None, env=None, cwd=None, stdout=subprocess.PIPE,
            label=None, is_render=None, json_out=False):
        """expect: 'ok' (rc 0), 'error' (rc 1/2, a clean message), 'any'; names: any of these
        strings must appear in an error line when the command fails."""
        cwd = cwd or self.ws
        rc, out, err, hung, secs = run_raw(list(args), cwd, timeout or TIMEOUT, env=env, stdout=stdout)
        so, se = _text(out), _text(err)
        both = so + "\n" + se
        cmd = "audioessay " + " ".join(show_arg(a) for a in args)
        errlines = [ln for ln in se.splitlines() if ln.strip()]
        first_err = next((ln for ln in errlines if ln.lower().startswith(("error", "usage")) or "Error" in ln),
                         errlines[0] if errlines else (so.strip().splitlines() or [""])[0])
        step = {"cmd": cmd, "label": label, "rc": rc, "hung": hung, "secs": round(secs, 2),
                "traceback": TB in both, "exception_ignored": EXC_IGN in both,
                "stdout_head": so[:1500], "stderr_head": se[:2500], "first_error": first_err[:400]}
        tag = f"[{cmd}] " if len(self.steps) else ""
        if hung:
            self.issue(f"{tag}HANG (> {timeout or TIMEOUT}s, killed)")
        if TB in both:
            tbl = [ln for ln in both.splitlines() if ln.strip()]
            last = next((ln for ln in reversed(tbl) if re.match(r"^\w[\w.]*(Error|Exception|Exit|Interrupt)\b", ln)), tbl[-1])
            self.issue(f"{tag}traceback: {last.strip()[:200]}")
        if EXC_IGN in both:
            self.issue(f"{tag}'Exception ignored' in output")
        if not hung:
            if rc is not None and rc < 0:
                self.issue(f"{tag}killed by signal {-rc}")
            elif rc not in (0, 1, 2, 130, 143):
                self.issue(f"{tag}unexpected exit code {rc}")
            if expect == "ok" and rc != 0:
                self.issue(f"{tag}expected success, got rc={rc}: {first_err[:160]}")
            if expect == "error" and rc == 0:
                self.issue(f"{tag}bad input accepted (rc=0): {(so.strip().splitlines() or [''])[0][:120]}")
            if expect == "named" and names and not any(n in both for n in names):
                self.issue(f"{tag}input silently ignored (rc={rc}, {names[0]!r} never mentioned)")
            if rc not in (0, None) and names and not hung:
                errl = errlines + [ln for ln in so.splitlines() if ln.lower().lstrip().startswith(("error", "problem"))]
                named = any(any(n in ln for n in names) for ln in errl)
                step["names_file"] = named
                if not named:
                    self.issue(f"{tag}error does not name {names[0]!r}: {first_err[:160]}")
                if errl and max(len(ln) for ln in errl) > 600:
                    self.issue(f"{tag}error line is {max(len(ln) for ln in errl)} chars long")
            if json_out and stdout is subprocess.PIPE:
                try:
                    json.loads(so)
                except ValueError:
                    self.issue(f"{tag}--json stdout is not one JSON object")
        if is_render is None:
            is_render = bool(args) and args[0] == "render"
        if is_render and not hung:
            self.rendered = True
        self.steps.append(step)
        return step

    # ------------------------------------------------------------------ data-loss checks
    def final_checks(self):
        ws = self.ws
        if ws is None or not ws.exists():
            return
        losses = []
        for bp, content in self.protected.items():
            try:
                st = os.lstat(bp)
            except FileNotFoundError:
                losses.append(f"{_text(bp)} was deleted")
                continue
            if stat.S_ISREG(st.st_mode):
                with open(bp, "rb") as f:
                    now = f.read()
                if bp.endswith(b"script.txt"):  # the body is the person's work; the header is audioessay's
                    body = lambda b: b.lstrip(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n---\n", 1)[-1]
                    now, content = body(now), body(content)
                if True:
                    if now != content:
                        losses.append(f"{os.path.relpath(_text(bp), str(ws))} was changed")
        # ledger guids
        led = ws / "episodes.json"
        base_guids = BASE_INFO["guids"]
        try:
            ledger = json.loads(led.read_text("utf-8"))
            entries = ledger.get("episodes", {})
            by_source = {e.get("source"): e for e in entries.values() if isinstance(e, dict)}
            for src, g in base_guids.items():
                if src in getattr(self, "skip_guid_sources", ()):
                    continue
                e = by_source.get(src)
                if e is None and src in {p for p in BASE_INFO["seeds"]}:
                    if any(isinstance(x, dict) and x.get("guid") == g for x in entries.values()):
                        continue
                    losses.append(f"episodes.json lost the entry for {src}")
                elif e is not None and e.get("guid") != g:
                    losses.append(f"episodes.json re-guided {src}: {g} -> {e.get('guid')}")
            srcs = [e.get("source") for e in entries.values() if isinstance(e, dict) and not e.get("removed")]
            dups = sorted({x for x in srcs if srcs.count(x) > 1})
            if dups:
                self.issue(f"one essay has several ledger entries (listed more than once in the feed): {dups}")
            guids = [e.get("guid") for e in entries.values() if isinstance(e, dict)]
            if len(guids) != len(set(guids)) and not getattr(self, "dup_guid_case", False):
                losses.append("episodes.json has duplicate guids")
        except FileNotFoundError:
            if self.expect_ledger:
                losses.append("episodes.json is missing")
        except (ValueError, AttributeError, OSError) as exc:
            if self.expect_ledger:
                losses.append(f"episodes.json unreadable: {exc}")
        # feed
        feed = ws / "feeds" / "feed.xml"
        if feed.exists():
            try:
                root = ET.parse(feed).getroot()
                items = root.findall("./channel/item")
                feed_guids = [(i.findtext("guid") or "") for i in items]
                for src, g in base_guids.items():
                    if src in getattr(self, "skip_guid_sources", ()):
                        continue
                    if self.expect_feed and g not in feed_guids and src in BASE_INFO["seeds"]:
                        losses.append(f"feed no longer lists {src} (guid {g})")
                if len(feed_guids) != len(set(feed_guids)):
                    losses.append("feed has duplicate guids")
                nums = [i.findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}episode") for i in items]
                nums = [n for n in nums if n]
                if len(nums) != len(set(nums)):
                    self.issue(f"feed has duplicate episode numbers: {sorted(nums)}")
                for i in items:
                    enc = i.find("enclosure")
                    if enc is None:
                        losses.append(f"feed item {i.findtext('title')!r} has no enclosure")
                        continue
                    url = enc.get("url", "")
                    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
                    k = path.find("/output/")
                    if k < 0:
                        losses.append(f"feed enclosure outside output/: {url}")
                        continue
                    f = ws / path[k + 1:]
                    if not f.is_file():
                        losses.append(f"feed names {path[k + 1:]}, which does not exist")
                    elif str(f.stat().st_size) != enc.get("length"):
                        losses.append(f"feed says {path[k + 1:]} is {enc.get('length')} bytes, it is {f.stat().st_size}")
            except ET.ParseError as exc:
                losses.append(f"feeds/feed.xml is not well-formed XML: {exc}")
        elif self.expect_feed:
            losses.append("feeds/feed.xml is missing")
        page = ws / "feeds" / "index.html"
        if page.exists():
            html = page.read_text("utf-8", "replace")
            if re.search(r"<script>\s*alert|<img src=x onerror|href=[\"']?\s*javascript:", html, re.I):
                self.issue("feeds/index.html contains unescaped attacker HTML/JS")
        # nothing written beside the workspace
        if self.dir.exists():
            extra = set(os.listdir(self.dir)) - self.before_outside
            if extra:
                self.issue(f"files written outside the workspace: {sorted(extra)}")
        for probe in ("/tmp/adv-pwned", "/x", "/tmp/x"):
            if os.path.exists(probe) and probe == "/tmp/adv-pwned":
                self.issue("YAML/command injection created /tmp/adv-pwned")
        # audioessay check after a render that exited
        if self.rendered and not self.skip_check:
            cfg = ws / "audioessay.toml"
            try:
                cfg_now = cfg.read_bytes() if cfg.is_file() else None
            except OSError:
                cfg_now = None
            if cfg_now != BASE_INFO["config"]:
                cfg.unlink(missing_ok=True) if not cfg.is_dir() else shutil.rmtree(cfg)
                cfg.write_bytes(BASE_INFO["config"])  # check the feed, not the config
            rc, out, err, hung, _ = run_raw(["check"], ws, 60)
            txt = _text(out + err)
            if hung or rc != 0:
                first = next((ln for ln in txt.splitlines() if ln.strip()), "")
                losses.append(f"`audioessay check` fails after the render (rc={rc}{', HANG' if hung else ''}): {first[:300]}")
            if TB in txt:
                self.issue("traceback in `audioessay check`")
        for l in losses:
            self.issue("DATA LOSS: " + l)
        self.losses = losses


# --------------------------------------------------------------------------- base workspace


def build_base():
    global BASE
    BASE = ROOT / "base"
    rc, out, err, hung, _ = run_raw(["init", str(BASE)], ROOT, 60)
    assert rc == 0, _text(err)
    (BASE / "seeds" / "second.md").write_text(SECOND_MD)
    w = BASE / "seeds" / "welcome.md"  # the sample is not published while it says `sample: true`
    w.write_text(re.sub(r"(?m)^sample:.*\n", "", w.read_text()))
    for _ in range(2):  # twice, so that .audioessay/episodes.json.bak exists
        rc, out, err, hung, _ = run_raw(["render", "--jobs", "2"], BASE, 180)
        assert rc == 0, _text(out + err)
        (BASE / "seeds" / "second.md").write_text(SECOND_MD + "\nOne more sentence.\n")
    rc, out, err, hung, _ = run_raw(["render", "--jobs", "2"], BASE, 180)
    rc, out, err, hung, _ = run_raw(["check"], BASE, 60)
    assert rc == 0, _text(out + err)
    ledger = json.loads((BASE / "episodes.json").read_text())
    BASE_INFO["guids"] = {e["source"]: e["guid"] for e in ledger["episodes"].values()}
    BASE_INFO["seeds"] = {f"seeds/{p.name}" for p in (BASE / "seeds").iterdir()}
    BASE_INFO["config"] = (BASE / "audioessay.toml").read_bytes()
    BASE_INFO["bak"] = (BASE / ".audioessay" / "episodes.json.bak").exists()


# --------------------------------------------------------------------------- input generators


def png_bytes(w, h, color_type=2, rows=None):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    if rows is None:
        bpp = 3 if color_type == 2 else 1
        co = zlib.compressobj(9)
        row = b"\0" * (1 + w * bpp)
        parts = [co.compress(row) for _ in range(h)]
        data = b"".join(parts) + co.flush()
    else:
        data = rows
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def bomb_png() -> Path:
    p = ROOT / "bomb.png"
    if not p.exists():
        p.write_bytes(png_bytes(20000, 20000, color_type=0))
    return p


def good_jpeg(size=1400) -> bytes:
    from PIL import Image
    import io
    b = io.BytesIO()
    Image.new("RGB", (size, size), (200, 50, 50)).save(b, "JPEG")
    return b.getvalue()


def essay(fm: str | None, body: str) -> str:
    return (f"---\n{fm}\n---\n" if fm is not None else "") + body


PLAIN = "# A heading\n\nA short paragraph. It has two sentences.\n"

# --------------------------------------------------------------------------- essay content cases

ESSAYS: list[tuple[str, str, bytes, str, bool]] = []  # id, desc, bytes, expect, render?


def add_essay(cid, desc, data, expect="any", render=True, name=None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    ESSAYS.append((cid, desc, data, expect, render, name))


def gen_essays():
    add_essay("empty", "empty file", b"", "error")
    add_essay("whitespace", "whitespace only", b"  \n\t\n\r\n   \n", "error")
    add_essay("png", "PNG header", png_bytes(4, 4), "error")
    add_essay("nul", "text with NUL bytes", b"Hello there.\0\0\0 More text.\n" * 5, "error")
    add_essay("gzip", "gzip data", b"\x1f\x8b\x08\x00" + os.urandom(200), "error")
    add_essay("pdf", "PDF header + text", b"%PDF-1.4\n1 0 obj << >> endobj\n" + b"stream\nBT /F1 12 Tf (Hi) Tj ET\n" * 20, "any")
    add_essay("random", "random bytes", os.urandom(4096), "error")
    add_essay("huge", "over text.max_bytes (2 MB + 1)", (b"A sentence that repeats. " * 90000)[:2_000_001], "error", render=False)
    add_essay("utf16-bom", "UTF-16 with BOM", ("# Caf\u00e9 notes\n\nThe caf\u00e9 \u2013 open late. It was good.\n").encode("utf-16"), "ok")
    add_essay("utf16le-nobom", "UTF-16-LE without BOM", ("# Caf\u00e9 notes\n\nThe caf\u00e9 is open late. It was good.\n").encode("utf-16-le"), "any")
    add_essay("utf16be-nobom", "UTF-16-BE without BOM", ("The caf\u00e9 is open late. It was good.\n").encode("utf-16-be"), "any")
    add_essay("utf32", "UTF-32 with BOM", ("# Notes\n\nThe caf\u00e9 is open late.\n").encode("utf-32"), "any")
    add_essay("latin1", "Latin-1", ("# Caf\u00e9\n\nL'\u00e9t\u00e9 \u00e0 Paris. Tr\u00e8s bien.\n").encode("latin-1"), "ok")
    add_essay("cp1252", "cp1252 smart quotes and en dash", ("# \u201cQuoted\u201d\n\nIt\u2019s 1990\u20131995 \u2013 a range. Fine.\n").encode("cp1252"), "ok")
    add_essay("bad-utf8", "invalid UTF-8 bytes inside UTF-8", "# T\u00eftle\n\nGood text \u2013 here. ".encode() + b"\xff\xfe\xc3\x28 bad" + " more \u00e9.\n".encode(), "any")
    add_essay("mojibake", "existing mojibake", "# CafÃ©\n\nItâ€™s fine. Really.\n", "ok")
    add_essay("mixed-eol", "mixed CRLF/CR/LF", b"# Head\r\n\r\nOne line.\rTwo line.\nThree line.\r\n\rFour.\n", "ok")
    add_essay("bom-fm", "UTF-8 BOM before front matter", "\ufeff---\ntitle: BOM title\n---\nBody text. Fine.\n", "ok")
    add_essay("crlf-fm", "front matter with CRLF", b"---\r\ntitle: CRLF title\r\n---\r\nBody here. Good.\r\n", "ok")
    add_essay("longline", "a single 300 KB line (script only)", ("word " * 60000).encode(), "any", render=False)
    add_essay("50k", "50,000 one-line sentences (script only)", ("Short line here.\n" * 50000).encode(), "any", render=False)
    add_essay("50k-oneline", "50,000 sentences in one paragraph (script only)", ("Go now. " * 50000).encode(), "any", render=False)
    add_essay("nest-list", "500-deep nested list", "".join("  " * i + "- item\n" for i in range(500)), "any", render=False)
    add_essay("nest-quote", "2,000-deep block quote", (">" * 2000) + " deep quote.\n", "any")
    add_essay("nest-mixed", "nested quote/list/emphasis", "".join(("> " * i) + ("- " * i) + "*" * i + "x\n" for i in range(1, 200)), "any", render=False)
    add_essay("1000-headings", "1,000 headings (script only)", "".join(f"# H{i}\n\nSentence {i}.\n\n" for i in range(1000)), "any", render=False)
    add_essay("300-headings", "300 headings, one word each (render: >255 chapters)", "".join(f"## S\n\nYes.\n\n" for i in range(300)), "any")
    add_essay("heading-only", "a heading and nothing else", "# Only a heading\n", "any")
    add_essay("headings-only", "several headings, no body", "# A\n## B\n### C\n", "any")
    add_essay("links-only", "only links", "[one](http://a.example/) [two](https://b.example/x)\n<https://c.example/>\nhttp://d.example/\n", "any")
    add_essay("emoji-only", "only emoji", "\U0001F600\U0001F680 \U0001F468\u200d\U0001F469\u200d\U0001F467 \u2764\ufe0f\n", "any")
    add_essay("numbers-only", "only numbers", "1 2 3 4 5 6\n123456789012345678901234567890\n3.14159 -0 1e308 0x1F 1/0\n", "any")
    add_essay("big-numbers", "absurd numbers", "It cost $" + "9" * 400 + " and 10^999 and 1," + "000," * 200 + "000 people. Year 99999. 1e-999 % of 1/0.\n", "any")
    add_essay("rtl", "RTL text (Arabic/Hebrew)", "# \u0645\u0631\u062d\u0628\u0627\n\n\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd. \u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645. Mixed \u202eevil\u202c text.\n", "any")
    add_essay("zero-width", "zero-width characters", "# Ze\u200bro\n\nThis\u200b\u200c\u200d\ufeff sentence\u2060 has\u00ad hidden chars.\n", "any")
    add_essay("zero-width-only", "only zero-width characters", "\u200b\u200c\u200d\ufeff\u2060\n" * 10, "error")
    add_essay("html", "HTML/script tags", "# <script>alert(1)</script>Title\n\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\nText <b>bold</b>. [x](javascript:alert(1)) end.\n", "any")
    add_essay("html-title-fm", "title with HTML/XML specials in front matter", essay("title: \"</title><script>alert(1)</script>]]><![CDATA[ & <x>\"\ndescription: \"<img src=x onerror=alert(1)>\"", "Body. Fine.\n"), "ok")
    add_essay("control", "control characters", "# Ctl\x01\x02\n\nText\x07 with\x1b[31m escape\x08 chars\x0b\x0c.\x7f More\x85 text.\n", "any")
    add_essay("ansi-title", "ANSI escape in title", essay("title: \"\\e[2J\\e[31mRed\\a\"", "Hello. World.\n"), "any")
    add_essay("surrogates", "lone surrogates via YAML escape", essay('title: "\\ud800 bad"', "Hi there.\n"), "any")
    add_essay("script-markers", "body lines that look like script markers", "[pause 99999s]\n\\[pause 1s]\n# \n#\n---\naudioessay-script: 1\n---\n[pause 1ms] hi.\n", "any")
    add_essay("only-fm", "front matter and nothing else", "---\ntitle: Nothing\n---\n", "error")
    add_essay("fm-unterminated", "front matter never closed", "---\ntitle: Open\nbody text here.\n", "any")
    add_essay("code-only", "only a code block", "```\nprint('hi')\n```\n", "any")
    add_essay("code-unclosed", "unclosed code fence swallowing the essay", "Intro. Yes.\n```\ncode\n\nRest of the essay.\n", "any")
    add_essay("table", "only a table", "| a | b |\n|---|---|\n| 1 | 2 |\n", "any")
    add_essay("footnotes", "footnotes and sources section", "Text[^1]. More[^x].\n\n[^1]: note\n\n## Sources\n\n- [a](http://x.example)\n", "any")
    add_essay("sources-only", "only a Sources section", "## Sources\n\n- [a](http://x.example)\n", "any")
    add_essay("long-word", "one 100 KB word (script only)", ("a" * 100_000) + ".\n", "any", render=False)
    add_essay("long-title-md", "10,000-char first heading", "# " + "T" * 10000 + "\n\nBody. Fine.\n", "ok")
    add_essay("emails-urls", "emails and URLs glued to words", "Mail jo.doe@example.com or x@y. See foohttp://a.b/c?d=e&f=g#h and www.example.com/path.\n", "any")
    add_essay("dates-text", "impossible dates in prose", "On 30 February 2024 and 2024-13-45 at 25:61 a.m. on 31/31/31. Fine.\n", "any")
    add_essay("pause-like", "pause-like text", "Wait [pause 5s] here. And [pause 0s] or [pause 100000s].\n", "any")
    add_essay("tabs-nbsp", "tabs and odd spaces", "\t\tIndented\u00a0text\u2003with\u3000spaces.\t\n", "any")
    add_essay("combining", "100 combining marks on one letter", "Za" + "\u0301" * 100 + "lgo text. Fine.\n", "any")
    add_essay("cjk", "CJK text", "# \u6f22\u5b57\n\n\u3053\u308c\u306f\u30c6\u30b9\u30c8\u3067\u3059\u3002\u4e2d\u6587\u53e5\u5b50\u3002\n", "any")
    add_essay("fm-dashes-body", "body that is only ---", "---\n---\n---\n", "any")


# --------------------------------------------------------------------------- front matter cases

FM: list[tuple[str, str, str, str, str]] = []  # id, desc, fm text, expect, names-extra


def gen_fm():
    F = lambda cid, desc, fm, expect="error", name=None: FM.append((cid, desc, fm, expect, name))
    F("invalid-yaml", "invalid YAML", "title: [unclosed\nfoo: : :")
    F("list", "YAML list, not mapping", "- a\n- b")
    F("scalar", "YAML scalar", "just a string")
    F("null", "empty YAML document", "", "any")
    F("number", "YAML number", "42")
    F("alias-bomb", "billion laughs", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\ntitle: *i")
    F("self-alias", "self-referencing alias", "a: &a [*a]\ntitle: x")
    F("merge-key", "YAML merge key", "base: &b {title: x}\n<<: *b")
    F("python-tag", "python object tag (must not run)", "title: !!python/object/apply:os.system ['touch /tmp/adv-pwned']")
    F("binary-tag", "!!binary value", "title: !!binary aGVsbG8=", "any")
    F("set-tag", "!!set title", "title: !!set {a, b}")
    for k in ("date", "updated"):
        for d in ("2024-02-30", "2024-13-01", "2024-00-10", "2023-02-29"):
            F(f"{k}-{d}", f"impossible date under {k}", f"{k}: {d}", "error" if k == "date" else "any")
    F("date-1", "overflow date 0001-01-01T00:00:00+14:00", "date: 0001-01-01T00:00:00+14:00")
    F("date-9999", "overflow date 9999-12-31T23:59:59-14:00", "date: 9999-12-31T23:59:59-14:00")
    F("other-overflow", "overflow datetime under another key", "released: 0001-01-01T00:00:00+14:00", "any")
    F("date-hour25", "date with hour 25", "date: 2024-01-01T25:00:00", "any")
    F("date-string", "date: yesterday", "date: yesterday")
    F("date-int", "date: 20240101", "date: 20240101")
    F("date-float", "date: .nan", "date: .nan")
    F("date-list", "date: [2024-01-01]", "date: [2024-01-01]")
    F("date-future", "date in year 9000", "date: 9000-01-01", "any")
    F("date-1900", "date: 1800-01-01", "date: 1800-01-01", "any")
    F("title-int", "title: 5", "title: 5", "any")
    F("title-list", "title: [a, b]", "title: [a, b]")
    F("title-map", "title: {a: 1}", "title: {a: 1}")
    F("title-null", "title: null", "title: null", "any")
    F("title-empty", "title: ''", "title: ''", "any")
    F("title-10k", "10,000-char title", "title: " + "L" * 10000, "ok")
    F("title-newlines", "title with newlines", 'title: "line1\\nline2\\r\\nline3"', "any")
    F("episode-x", 'episode: "x"', 'episode: "x"')
    F("episode-neg", "episode: -1", "episode: -1")
    F("episode-0", "episode: 0", "episode: 0", "any")
    F("episode-huge", "episode: 10**30", "episode: " + str(10 ** 30))
    F("episode-float", "episode: 1.5", "episode: 1.5")
    F("episode-bool", "episode: true", "episode: true")
    F("episode-dup", "episode: 1 (already used by welcome)", "episode: 1", "any")
    F("rate-huge", "rate: 10**6", "rate: 1000000")
    F("rate-neg", "rate: -5", "rate: -5")
    F("rate-inf", "rate: .inf", "rate: .inf")
    F("rate-nan", "rate: .nan", "rate: .nan")
    F("rate-str", "rate: fast", "rate: fast")
    F("rate-bool", "rate: true", "rate: true")
    F("explicit-yes", 'explicit: "yes"', 'explicit: "yes"', "any")
    F("explicit-int", "explicit: 2", "explicit: 2", "any")
    F("engine-unknown", "unknown engine (fails at render)", "engine: nosuchengine")
    F("engine-empty", "engine: ''", "engine: ''", "any")
    F("engine-list", "engine: [a]", "engine: [a]")
    F("voice-option", "voice: --help (option injection)", "voice: --help", "any")
    F("voice-path", "voice: ../../etc/passwd", "voice: ../../etc/passwd", "any")
    F("voice-weird", "voice with shell chars", "voice: 'en; touch /tmp/adv-pwned'", "any")
    F("voice-empty", "voice: ''", "voice: ''", "any")
    F("slug-traversal", "slug ../../x", "slug: ../../x", "ok")
    F("slug-abs", "slug /etc/passwd", "slug: /etc/passwd", "ok")
    F("slug-empty", "empty slug", "slug: ''", "any")
    F("slug-dots", "slug ..", "slug: '..'", "any")
    F("slug-unicode", "slug all non-ASCII", "slug: '\u00e9\u00e9\u6f22'", "any")
    F("slug-long", "slug 5,000 chars", "slug: " + "s" * 5000, "any")
    F("slug-int", "slug: 5", "slug: 5", "any")
    F("slug-welcome", "slug collides with existing episode", "slug: welcome", "any")
    F("author-list", "author: [a]", "author: [a]")
    F("description-map", "description: {a: 1}", "description: {a: 1}")
    F("dup-keys", "duplicate keys", "title: One\ntitle: Two", "any")
    F("tabs", "tab indentation", "title:\tx\nfoo:\n\t- a", "any")
    F("unicode-keys", "non-string keys", "1: one\n? [a, b]\n: c\nnull: x", "any")
    F("huge-fm", "front matter 1 MB", "title: x\nblob: " + "y" * 1_000_000, "any")
    F("deep-fm", "deeply nested front matter", "a: " + "[" * 5000 + "]" * 5000, "any")


# --------------------------------------------------------------------------- config cases

CONFIG_NUMERIC = {
    ("voice", "rate"): 175, ("voice", "volume"): 1.0, ("text", "max_bytes"): 2000000,
    ("audio", "sentence_pause"): 0.35, ("audio", "paragraph_pause"): 0.9, ("audio", "section_pause"): 1.6,
    ("audio", "bitrate"): 96, ("audio", "loudness"): -16.0, ("audio", "true_peak"): -1.0,
}


def set_toml(base: str, section: str, key: str, value_src: str) -> str:
    """Put key = value in [section] of a TOML text (replacing the key, adding the section)."""
    lines = base.splitlines()
    out, cur, done = [], None, False
    for ln in lines:
        m = re.match(r"^\[([^\]]+)\]\s*$", ln)
        if m:
            if cur == section and not done:
                out.append(f"{key} = {value_src}")
                done = True
            cur = m.group(1)
        elif cur == section and re.match(rf"^{re.escape(key)}\s*=", ln):
            if not done:
                out.append(f"{key} = {value_src}")
                done = True
            continue
        out.append(ln)
    if not done:
        if cur == section:
            out.append(f"{key} = {value_src}")
        else:
            out += ["", f"[{section}]", f"{key} = {value_src}"]
    return "\n".join(out) + "\n"


CONFIGS: list = []  # id, desc, fn(ctx)->None (writes config), expect, names


def gen_configs():
    def C(cid, desc, fn, expect="error", names=("audioessay.toml",)):
        CONFIGS.append((cid, desc, fn, expect, names))

    def tomlset(section, key, src):
        def fn(ctx):
            ctx.write("audioessay.toml", set_toml(BASE_INFO["config"].decode(), section, key, src))
        return fn

    def raw(text):
        def fn(ctx):
            ctx.write("audioessay.toml", text)
        return fn

    C("invalid-toml", "invalid TOML", raw("[show\ntitle = \n"))
    C("invalid-toml2", "TOML with duplicate table", raw("[show]\ntitle='a'\n[show]\ntitle='b'\n"))
    C("binary", "binary config", raw(b"\x89PNG\r\n\x1a\n\0\0\0garbage".decode("latin-1")))
    C("utf16", "config saved as UTF-16", lambda ctx: ctx.write("audioessay.toml", BASE_INFO["config"].decode().encode("utf-16")))
    C("empty", "empty config (all defaults)", raw(""), "any")
    C("unknown-top", "unknown top-level key", raw(BASE_INFO["config"].decode() + "\n[bogus]\nx = 1\n"), names=("bogus",))
    C("unknown-key", "unknown key [show] titel", tomlset("show", "titel", '"x"'), names=("titel",))
    C("not-table", "show = 5", raw("show = 5\n"), names=("show",))
    for (sec, key), _default in CONFIG_NUMERIC.items():
        for label, src in (("nan", "nan"), ("inf", "inf"), ("int-overflow", str(10 ** 30)), ("neg", "-1")):
            C(f"{sec}.{key}={label}", f"{sec}.{key} = {src}", tomlset(sec, key, src), names=(key,))
    C("pause-neg", "negative pauses", tomlset("audio", "sentence_pause", "-0.5"), names=("sentence_pause",))
    C("bitrate-1", "bitrate 1", tomlset("audio", "bitrate", "1"), names=("bitrate",))
    C("loudness+30", "loudness +30", tomlset("audio", "loudness", "30.0"), names=("loudness",))
    C("lang-fr", 'text.language "fr"', tomlset("text", "language", '"fr"'), names=("language",))
    C("show-lang", 'show.language "xx-??"', tomlset("show", "language", '"xx-??"'), "any", names=("language",))
    for lbl, ann in (("show.nope", "{show.nope}"), ("number[0]", "{number[0]}"), ("width", "{title:>999999999}"),
                     ("unbalanced", "{title"), ("dunder", "{title.__class__.__mro__}"), ("positional", "{0}"),
                     ("conversion", "{title!r:>99999999}"), ("unknown", "{author}")):
        C(f"announce-{lbl}", f"announce {ann}", tomlset("audio", "announce", json.dumps(ann)), names=("announce",))
    C("announce-long", "announce 20,000 chars", tomlset("audio", "announce", json.dumps("Hi. " * 5000)), "any")
    C("outro-markers", "outro with newlines and [pause 60s]", tomlset("audio", "outro", json.dumps("Bye\n# Chapter\n[pause 60s]")), "any")
    C("link-js", "link javascript:alert(1)", tomlset("show", "link", '"javascript:alert(1)"'), names=("link",))
    C("base-port", "base_url with bad port", tomlset("show", "base_url", '"http://example.com:99999/"'), names=("base_url",))
    C("base-negport", "base_url port -1", tomlset("show", "base_url", '"http://example.com:-1/"'), names=("base_url",))
    C("base-ftp", "base_url ftp://", tomlset("show", "base_url", '"ftp://example.com/"'), names=("base_url",))
    C("base-ipv6", "base_url http://[::1", tomlset("show", "base_url", '"http://[::1/"'), names=("base_url",))
    C("base-noslash", "base_url without trailing slash", tomlset("show", "base_url", '"http://example.com/pod"'), "any")
    C("base-query", "base_url with query and fragment", tomlset("show", "base_url", '"http://example.com/?a=1&b=<x>#frag"'), "any")
    C("base-userinfo", "base_url with user:pass@", tomlset("show", "base_url", '"http://u:p@example.com/"'), "any")
    C("base-space", "base_url with spaces/newline", tomlset("show", "base_url", '"http://exa mple.com/\\n"'), names=("base_url",))
    C("email-bad", "owner_email not an email", tomlset("show", "owner_email", '"<script>"'), "any")
    C("category-bad", "unknown category", tomlset("show", "category", '"Bogus"'), names=("category",))
    C("explicit-str", 'explicit = "yes"', tomlset("show", "explicit", '"yes"'), names=("explicit",))
    C("title-10k", "show title 10,000 chars", tomlset("show", "title", json.dumps("S" * 10000)), "any")
    C("title-xss", "show title with HTML/CDATA", tomlset("show", "title", json.dumps("</title><script>alert(1)</script>]]>")), "any")
    C("engine-unknown", "voice.engine unknown", tomlset("voice", "engine", '"nope"'), names=("engine",))
    C("voice-option", "voice.voice = --help", tomlset("voice", "voice", '"--help"'), "any")
    C("volume-0", "volume 0", tomlset("voice", "volume", "0"), names=("volume",))
    C("rate-79", "rate 79", tomlset("voice", "rate", "79"), names=("rate",))
    C("max-bytes-0", "max_bytes 0", tomlset("text", "max_bytes", "0"), names=("max_bytes",))
    C("max-bytes-10", "max_bytes 10 (every essay too big)", tomlset("text", "max_bytes", "10"), "error", names=("seeds/",))
    C("approval-str", 'require_approval = "yes"', tomlset("text", "require_approval", '"yes"'), names=("require_approval",))
    C("removed-bad", 'feed.removed = "maybe"', tomlset("feed", "removed", '"maybe"'), names=("removed",))
    C("pron-empty-key", "pronunciation with empty key", tomlset("pronunciations", '""', '"x"'), "any")
    C("pron-int", "pronunciation value 5", tomlset("pronunciations", "Short", "5"), names=("Short", "[pronunciations]"))
    C("pron-inject", "pronunciation expanding to script markers/newlines", tomlset("pronunciations", "plain", json.dumps("x\n# Chapter\n[pause 60s]\n---")), "any")
    C("pron-regex", "pronunciation key with regex chars", tomlset("pronunciations", '"a.*("', '"b"'), "any")
    C("pron-many", "20,000 pronunciations", raw(BASE_INFO["config"].decode().replace("[pronunciations]", "[pronunciations]\n" + "".join(f"w{i} = \"x{i}\"\n" for i in range(20000)))), "any")
    # files
    def cover(target_fn):
        def fn(ctx):
            tgt = target_fn(ctx)
            ctx.write("audioessay.toml", set_toml(BASE_INFO["config"].decode(), "show", "cover", json.dumps(str(tgt))))
        return fn

    def intro(target_fn):
        def fn(ctx):
            tgt = target_fn(ctx)
            ctx.write("audioessay.toml", set_toml(BASE_INFO["config"].decode(), "audio", "intro", json.dumps(str(tgt))))
        return fn

    def mk_fifo(ctx, name):
        p = ctx.ws / name
        os.mkfifo(p)
        return p

    def mk_file(name, data):
        def f(ctx):
            p = ctx.ws / name
            p.write_bytes(data() if callable(data) else data)
            return p
        return f

    for kind, wrap, key in (("cover", cover, "cover"), ("intro", intro, "intro")):
        ext = "jpg" if kind == "cover" else "mp3"
        C(f"{kind}-folder", f"{kind} is a folder", wrap(lambda ctx: ctx.ws / "seeds"), names=(key,))
        C(f"{kind}-devzero", f"{kind} = /dev/zero", wrap(lambda ctx: "/dev/zero"), names=(key,))
        C(f"{kind}-urandom", f"{kind} = /dev/urandom", wrap(lambda ctx: "/dev/urandom"), names=(key,))
        C(f"{kind}-fifo", f"{kind} is a FIFO", wrap(lambda ctx, e=ext: mk_fifo(ctx, f"x.{e}")), names=(key,))
        C(f"{kind}-missing", f"{kind} missing", wrap(lambda ctx, e=ext: ctx.ws / f"nope.{e}"), names=(key,))
        C(f"{kind}-empty", f"{kind} 0 bytes", wrap(mk_file(f"empty.{ext}", b"")), names=(key,))
        C(f"{kind}-text", f"{kind} is a text file", wrap(mk_file(f"t.{ext}", b"hello, I am text\n" * 50)), names=(key,))
    C("cover-truncated", "truncated JPEG cover", cover(mk_file("trunc.jpg", lambda: good_jpeg()[:600])), names=("cover",))
    C("cover-bomb", "20000x20000 PNG cover (decompression bomb)", cover(lambda ctx: bomb_png()), names=("cover",))
    C("cover-png-as-jpg", "PNG named .jpg", cover(mk_file("c.jpg", lambda: png_bytes(1400, 1400))), names=("cover",))
    C("cover-notsquare", "1400x1401 PNG", cover(mk_file("c.png", lambda: png_bytes(1400, 1401))), names=("cover",))
    C("cover-fakeheader", "PNG header claiming 3000x3000 with garbage data", cover(mk_file("g.png", lambda: png_bytes(3000, 3000, rows=os.urandom(200)))), names=("cover",))
    C("cover-ok", "valid 1400 JPEG cover (control)", cover(mk_file("good.jpg", lambda: good_jpeg())), "ok")
    C("intro-truncated", "truncated MP3 intro", intro(lambda ctx: (ctx.ws / "t.mp3").write_bytes((BASE / "audio" / "intro.mp3").read_bytes()[:3000]) or ctx.ws / "t.mp3"), "any", names=("intro",))
    C("intro-wav-as-mp3", "a WAV named intro.mp3", intro(mk_file("w.mp3", b"RIFF$\0\0\0WAVEfmt \x10\0\0\0\1\0\1\0D\xac\0\0\x88X\1\0\2\0\x10\0data\0\0\0\0")), "any", names=("intro",))
    C("intro-relative-escape", "intro ../../../etc/passwd", intro(lambda ctx: "../../../../../../etc/passwd"), names=("intro",))
    C("cfg-dir", "audioessay.toml is a directory", lambda ctx: (os.unlink(ctx.ws / "audioessay.toml"), os.mkdir(ctx.ws / "audioessay.toml")), "error", names=("audioessay.toml",))
    C("cfg-fifo", "audioessay.toml is a FIFO", lambda ctx: (os.unlink(ctx.ws / "audioessay.toml"), os.mkfifo(ctx.ws / "audioessay.toml")), "error", names=("audioessay.toml",))


# --------------------------------------------------------------------------- case definitions


def essay_case(cid, desc, data, expect, render, name=None):
    def fn(ctx: Ctx):
        ws = ctx.fresh()
        fname = name or f"adv-{cid}.md"
        p = ws / "seeds" / fname
        p.write_bytes(data)
        names = (f"seeds/{fname}", fname)
        ctx.run("script", f"seeds/{fname}", expect=expect, names=names, label="script")
        if render and not QUICK:
            ctx.run("render", "--jobs", "2", expect=expect, names=names, timeout=90)
        elif render and QUICK and cid in ("empty", "png", "utf16-bom", "html-title-fm"):
            ctx.run("render", "--jobs", "2", expect=expect, names=names, timeout=90)
    return fn


def fm_case(cid, desc, fm, expect, _):
    def fn(ctx: Ctx):
        ws = ctx.fresh()
        fname = f"fm-{cid}.md"
        (ws / "seeds" / fname).write_text(essay(fm, "Front matter test. Short body.\n"))
        names = (f"seeds/{fname}",)
        script_expect = "any" if cid.startswith(("engine-", "voice-", "rate-")) else expect
        ctx.run("script", f"seeds/{fname}", expect=script_expect, names=names)
        if not QUICK or cid in ("alias-bomb", "date-1", "slug-traversal", "episode-huge"):
            ctx.run("render", "--jobs", "2", expect=expect, names=names, timeout=90)
            if cid == "slug-traversal":
                out = ws / "output"
                bad = [p for p in ROOT.rglob("x") if "ws" not in p.parts[-3:]] if False else []
                if (ws.parent / "x").exists() or (ws / "x").exists():
                    ctx.issue("slug ../../x wrote outside output/")
    return fn


def config_case(cid, desc, setup, expect, names):
    def fn(ctx: Ctx):
        ctx.fresh()
        (ctx.ws / "seeds" / "new.md").write_text("# New\n\nA new short essay. It reads.\n")
        ctx.protect(ctx.ws / "seeds" / "new.md")
        setup(ctx)
        ctx.run("render", "--jobs", "2", expect=expect, names=names, timeout=60)
        if not QUICK and not cid.startswith(("voice.", "text.", "audio.")):
            ctx.run("doctor", expect="any", is_render=False)
    return fn


def register_generated():
    gen_essays()
    QE = {"empty", "png", "nul", "huge", "utf16-bom", "utf16le-nobom", "latin1", "bad-utf8", "longline", "50k",
          "nest-list", "1000-headings", "emoji-only", "html", "html-title-fm", "control", "zero-width-only", "only-fm"}
    for cid, desc, data, expect, render, name in ESSAYS:
        case("essay", cid, desc, quick=cid in QE)(essay_case(cid, desc, data, expect, render, name))
    gen_fm()
    QF = {"invalid-yaml", "list", "alias-bomb", "self-alias", "python-tag", "date-2024-02-30", "date-1", "date-9999",
          "title-int", "episode-huge", "rate-huge", "explicit-yes", "engine-unknown", "slug-traversal", "slug-empty", "title-10k", "dup-keys"}
    for cid, desc, fm, expect, n in FM:
        case("frontmatter", cid, desc, quick=cid in QF)(fm_case(cid, desc, fm, expect, n))


def register_configs():
    gen_configs()
    QC = {"invalid-toml", "unknown-key", "voice.rate=nan", "audio.bitrate=int-overflow", "announce-width", "announce-dunder",
          "link-js", "base-port", "cover-devzero", "cover-fifo", "cover-bomb", "intro-fifo", "intro-devzero", "cfg-fifo", "lang-fr"}
    for cid, desc, fn, expect, names in CONFIGS:
        case("config", cid, desc, quick=cid in QC)(config_case(cid, desc, fn, expect, names))


# ---- file names


def name_case(cid, desc, make, expect="any", names=(), quick=False, render=True):
    @case("filename", cid, desc, quick=quick)
    def fn(ctx: Ctx):
        ws = ctx.fresh()
        make(ctx, os.fsencode(ws / "seeds"))
        ctx.run("script", expect=expect, names=names)
        if render:
            ctx.run("render", "--jobs", "2", expect=expect, names=names, timeout=90)


def _create(name: bytes, data=b"# T\n\nA short essay. Two lines.\n"):
    def make(ctx, seeds: bytes):
        fd = os.open(os.path.join(seeds, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.close(fd)
        ctx.protect(os.path.join(seeds, name))
    return make


name_case("newline", "file name with a newline", _create(b"new\nline.md"), quick=True)
name_case("cr", "file name with a carriage return", _create(b"carriage\rreturn.md"))
name_case("non-utf8", "non-UTF-8 bytes in the name", _create(b"caf\xe9-\xff.md"), quick=True)
name_case("dash", "leading dash -rf.md", _create(b"-rf.md"), "ok", quick=True)
name_case("dash-help", "file named --help.md", _create(b"--help.md"), "ok")
name_case("spaces", "spaces in the name", _create(b"my essay  final (2).md"), "ok")
name_case("unicode", "unicode name", _create("\u00fcn\u00efc\u00f8d\u00e9 \u6f22 \U0001F600.md".encode()), "ok")
name_case("long", "250-byte name", _create(b"L" * 247 + b".md"), "any", quick=True)
name_case("format-chars", "name with %s {title} chars", _create(b"100%s {title} {0}.md"), "ok")
name_case("html-name", "name with <script>", _create(b"<script>alert(1)<>.md"), "any")
name_case("file-colon", "name file:x.md", _create(b"file:x.md"), "ok")
name_case("dotfile", "hidden .md file", _create(b".hidden.md"), "any")
name_case("upper-ext", "upper-case extension X.MD", _create(b"UPPER.MD"), "any")
name_case("backup", "editor backups x.md~ and .#x.md", lambda c, s: (_create(b"x.md~")(c, s), _create(b".#x.md")(c, s)), "any")
name_case("dup-slug", "Her.txt and her.md (same slug)", lambda c, s: (_create(b"Her.txt", b"Her\n\nOne text. Yes.\n")(c, s), _create(b"her.md", b"# Her\n\nTwo text. Yes.\n")(c, s)), "ok", quick=True)
name_case("dup-slug-3", "her.md, Her.md, HER.txt, h-e-r.md", lambda c, s: [_create(n, b"# Her\n\nSame title. Same body.\n")(c, s) for n in (b"her.md", b"Her.md", b"HER.txt", b"h_e_r.md")], "ok")


def _symlink(name: bytes, target):
    def make(ctx, seeds):
        os.symlink(target, os.path.join(seeds, name))
    return make


name_case("symlink-passwd", "symlink to /etc/passwd", _symlink(b"passwd.md", "/etc/passwd"), "any", quick=True)
name_case("symlink-loop", "symlink loop", _symlink(b"loop.md", "loop.md"), "named", names=("loop.md",), quick=True)
name_case("symlink-dangling", "dangling symlink", _symlink(b"gone.md", "/nonexistent/x"), "named", names=("gone.md",))
name_case("symlink-devzero", "symlink to /dev/zero (infinite, size 0)", _symlink(b"zero.md", "/dev/zero"), "named", names=("zero.md",), quick=True)
name_case("symlink-urandom", "symlink to /dev/urandom", _symlink(b"rand.txt", "/dev/urandom"), "named", names=("rand.txt",))
name_case("symlink-dir", "symlink to a directory", _symlink(b"dir.md", "/etc"), "any")
name_case("symlink-proc", "symlink to /proc/self/environ", _symlink(b"env.txt", "/proc/self/environ"), "any")
name_case("dir", "a directory named x.md", lambda c, s: os.mkdir(os.path.join(s, b"x.md")), "any", quick=True)
name_case("fifo", "a FIFO named x.md (must not hang)", lambda c, s: os.mkfifo(os.path.join(s, b"x.md")), "named", names=("x.md",), quick=True)


def _socket(ctx, seeds):
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(seeds, b"sock.md"))
    ctx._sock = s


name_case("socket", "a Unix socket named sock.md", _socket, "named", names=("sock.md",))


def _unreadable(ctx, seeds):
    p = os.path.join(seeds, b"locked.md")
    with open(p, "wb") as f:
        f.write(b"# Locked\n\nSecret text. Yes.\n")
    os.chmod(p, 0)
    if os.geteuid() == 0:
        ctx.note("running as root: chmod 000 does not stop reads (the essay is read normally)")


name_case("unreadable", "chmod 000 file (root reads it anyway)", _unreadable, "any")


def _seeds_is_file(ctx, seeds):
    shutil.rmtree(seeds)
    with open(seeds, "wb") as f:
        f.write(b"not a dir")
    ctx.protected.clear()


name_case("seeds-file", "seeds/ is a file", _seeds_is_file, "error", names=("seeds",), render=True)


def _seeds_missing(ctx, seeds):
    shutil.rmtree(seeds)
    ctx.protected.clear()


name_case("seeds-missing", "seeds/ deleted (feed.removed=keep)", _seeds_missing, "any")


@case("filename", "path-args", "render/script with odd PATH arguments", quick=True)
def _(ctx: Ctx):
    ctx.fresh()
    ctx.run("script", "/etc/passwd", expect="any")
    ctx.run("script", "seeds/../../../../etc/hostname", expect="any")
    ctx.run("script", "nonexistent.md", expect="error", names=("nonexistent.md",))
    ctx.run("script", "seeds", expect="any")
    ctx.run("script", "", expect="any")
    ctx.run("render", "--jobs", "2", "audioessay.toml", expect="any", names=("audioessay.toml",))
    ctx.run("render", "--jobs", "2", "seeds/welcome.md", "seeds/welcome.md", "./seeds/welcome.md", expect="ok")


# ---- scripts


def script_case(cid, desc, mutate, expect="error", quick=False, protect=True, approve_first=False):
    @case("script", cid, desc, quick=quick)
    def fn(ctx: Ctx):
        ws = ctx.fresh()
        sp = ws / "output" / "welcome" / "script.txt"
        if approve_first:
            ctx.run("review", "welcome", "--approve", expect="ok")
        mutate(ctx, sp)
        if protect and sp.exists() and sp.is_file():
            ctx.protect(sp)
        names = ("output/welcome/script.txt", "script.txt")
        ctx.run("render", "--jobs", "2", expect=expect, names=names, timeout=90)
        ctx.run("script", expect="any", names=names)
        if cid in ("hand-edit", "approved-edit"):
            ctx.run("review", "welcome", expect="any")
    return fn


def _sub(old, new, count=1):
    def m(ctx, sp):
        t = sp.read_text()
        assert old in t, old
        sp.write_text(t.replace(old, new, count))
    return m


script_case("bad-header", "first line not ---", _sub("---\naudioessay-script: 1", "--\naudioessay-script: 1"), quick=True)
script_case("bad-version", "audioessay-script: 99", _sub("audioessay-script: 1", "audioessay-script: 99"))
script_case("no-header-end", "header never closed", lambda c, sp: sp.write_text(sp.read_text().replace("---\n", "", 2).replace("audioessay", "---\naudioessay", 1)))
script_case("unknown-marker", "[explode 3s] marker", _sub("This is your first essay.", "[explode 3s]\nThis is your first essay."), quick=True)
script_case("pause-huge", "[pause 99999s]", _sub("This is your first essay.", "[pause 99999s]\nThis is your first essay."))
script_case("pause-neg", "[pause -1s]", _sub("This is your first essay.", "[pause -1s]\nThis is your first essay."))
script_case("pause-nan", "[pause nans]", _sub("This is your first essay.", "[pause nans]\nThis is your first essay."))
script_case("pause-many", "2,000 [pause 60s] markers (2000 minutes of silence)", _sub("This is your first essay.", "[pause 60s]\n" * 2000 + "This is your first essay."), "any")
script_case("binary", "binary junk", lambda c, sp: sp.write_bytes(os.urandom(3000)), quick=True)
script_case("nul", "NUL bytes in a sentence", lambda c, sp: sp.write_bytes(sp.read_bytes().replace(b"first essay.", b"first\0\0 essay.")))
script_case("empty", "empty script.txt", lambda c, sp: sp.write_bytes(b""), "any")
script_case("header-only", "header, empty body", lambda c, sp: sp.write_text(sp.read_text().split("---\n")[0] + "---\n" + sp.read_text().split("---\n")[1] + "---\n"), "any")
script_case("deleted", "script.txt deleted", lambda c, sp: sp.unlink(), "ok", quick=True, protect=False)
script_case("dir", "script.txt is a directory", lambda c, sp: (sp.unlink(), sp.mkdir()), "error", protect=False)
script_case("source-evil", "header source: /etc/passwd", _sub("source: seeds/welcome.md", "source: ../../../../etc/passwd"), "any")
script_case("status-bogus", "status: published", _sub("status: draft", "status: published"))
script_case("utf16", "script re-saved as UTF-16", lambda c, sp: sp.write_bytes(sp.read_text().encode("utf-16")), "any")
script_case("crlf-bom", "script re-saved with CRLF and BOM (not an edit)", lambda c, sp: sp.write_bytes(b"\xef\xbb\xbf" + sp.read_bytes().replace(b"\n", b"\r\n")), "any")
script_case("hand-edit", "hand-edited body, then render (must not be overwritten)", _sub("This is your first essay.", "This is MY edited essay."), "ok", quick=True)
script_case("approved-edit", "approved, then edited, then render", _sub("This is your first essay.", "Edited after approval."), "any", approve_first=True, quick=True)
script_case("long-sentence", "a 20 KB sentence line", _sub("This is your first essay.", "word " * 4000 + "end."), "any")


@case("script", "edited-then-essay-changed", "hand-edited script, then the essay changes: script/render must keep the edit", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    sp = ws / "output" / "welcome" / "script.txt"
    sp.write_text(sp.read_text().replace("This is your first essay.", "Hand edit stays."))
    ctx.protect(sp)
    seed = ws / "seeds" / "welcome.md"
    seed.write_text(seed.read_text() + "\nA new closing sentence.\n")
    ctx.protect(seed)
    ctx.run("script", expect="any", names=("welcome",))
    ctx.run("render", "--jobs", "2", expect="any", names=("welcome",))
    ctx.run("script", "--force", "output/welcome/script.txt", expect="ok")
    ctx.protected.pop(os.fsencode(sp))
    baks = list(sp.parent.glob("script.txt.bak-*"))
    if not baks or "Hand edit stays." not in baks[0].read_text():
        ctx.issue("DATA LOSS: script --force kept no backup of the hand-edited script")


@case("script", "require-approval", "require_approval=true with a draft script", quick=False)
def _(ctx: Ctx):
    ws = ctx.fresh()
    (ws / "audioessay.toml").write_text(set_toml(BASE_INFO["config"].decode(), "text", "require_approval", "true"))
    (ws / "seeds" / "new.md").write_text("Brand new. Essay.\n")
    ctx.run("render", "--jobs", "2", expect="error", names=("new",))


# ---- ledger


def ledger_case(cid, desc, mutate, expect="any", quick=False, expect_ledger=True, expect_feed=True):
    @case("ledger", cid, desc, quick=quick)
    def fn(ctx: Ctx):
        ws = ctx.fresh()
        ctx.expect_ledger = expect_ledger
        ctx.expect_feed = expect_feed
        # a ledger the case itself damaged: `check` may rightly refuse until a person repairs it
        ctx.skip_check = not expect_ledger
        mutate(ctx, ws)
        ctx.run("render", "--jobs", "2", expect=expect, names=("episodes.json",), timeout=90)
        ctx.run("check", expect="any", is_render=False)
        ctx.run("serve", "--port", "0", expect="any", timeout=4, is_render=False) if False else None
    return fn


def rm(*rels):
    def m(ctx, ws):
        for r in rels:
            p = ws / r
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink(missing_ok=True)
    return m


ledger_case("deleted", "episodes.json deleted (bak + feed present)", rm("episodes.json"), "ok", quick=True)
ledger_case("deleted-nobak", "episodes.json and .bak deleted (feed present)", rm("episodes.json", ".audioessay/episodes.json.bak"), "ok", quick=True)
ledger_case("deleted-all", "episodes.json, .bak and feed deleted", rm("episodes.json", ".audioessay/episodes.json.bak", "feeds/feed.xml"), "error", quick=True, expect_ledger=False, expect_feed=False)
ledger_case("corrupt", "episodes.json corrupt JSON", lambda c, ws: (ws / "episodes.json").write_text('{"episodes": {"welcome": {"guid": '), "error", quick=True, expect_ledger=False)
ledger_case("empty", "episodes.json 0 bytes", lambda c, ws: (ws / "episodes.json").write_bytes(b""), "any", expect_ledger=False)
ledger_case("null", "episodes.json = null", lambda c, ws: (ws / "episodes.json").write_text("null"), "any", expect_ledger=False)
ledger_case("list", "episodes.json = []", lambda c, ws: (ws / "episodes.json").write_text("[]"), "any", expect_ledger=False)
ledger_case("dir", "episodes.json is a directory", lambda c, ws: ((ws / "episodes.json").unlink(), (ws / "episodes.json").mkdir()), "error", expect_ledger=False)
ledger_case("nan", "episodes.json with NaN number", lambda c, ws: (ws / "episodes.json").write_text((ws / "episodes.json").read_text().replace('"number": 1', '"number": NaN')), "any", expect_ledger=False)
ledger_case("bad-date", "episodes.json pub_date impossible", lambda c, ws: (ws / "episodes.json").write_text(re.sub(r'"pub_date": "[^"]+"', '"pub_date": "2024-02-30T99:00:00Z"', (ws / "episodes.json").read_text(), count=1)), "any", expect_ledger=False)
ledger_case("huge-number", "episodes.json last_number 1e400", lambda c, ws: (ws / "episodes.json").write_text((ws / "episodes.json").read_text().replace('"last_number": 2', '"last_number": 1e400')), "any", expect_ledger=False)


def _dup_guid(ctx, ws):
    led = json.loads((ws / "episodes.json").read_text())
    eps = list(led["episodes"].values())
    eps[1]["guid"] = eps[0]["guid"]
    (ws / "episodes.json").write_text(json.dumps(led, indent=2))
    ctx.skip_guid_sources = {eps[1]["source"]}  # the case itself changed this one's guid
    ctx.skip_check = True
    ctx.dup_guid_case = True


ledger_case("dup-guid", "two entries share one guid", _dup_guid, "error", quick=True)


def _swap_bak(ctx, ws):
    (ws / "episodes.json").unlink()
    (ws / ".audioessay" / "episodes.json.bak").write_text("{ corrupt")


ledger_case("deleted-bak-corrupt", "episodes.json deleted, .bak corrupt, feed present", _swap_bak, "any", expect_ledger=False)


def _feed_garbage(ctx, ws):
    (ws / "episodes.json").unlink()
    (ws / ".audioessay" / "episodes.json.bak").unlink()
    (ws / "feeds" / "feed.xml").write_text("<rss><channel><item><guid>x")


ledger_case("deleted-feed-corrupt", "episodes.json and .bak deleted, feed corrupt", _feed_garbage, "error", expect_ledger=False, expect_feed=False)


def _wrong_source(ctx, ws):
    led = json.loads((ws / "episodes.json").read_text())
    for e in led["episodes"].values():
        e["source"] = "seeds/renamed-" + e["source"].split("/")[-1]
    (ws / "episodes.json").write_text(json.dumps(led, indent=2))


ledger_case("renamed-sources", "ledger sources point at missing files (renamed essays)", _wrong_source, "any")


@case("ledger", "rename-essay", "rename an essay file: guid must follow it", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    os.rename(ws / "seeds" / "second.md", ws / "seeds" / "second-renamed.md")
    ctx.protected = {k.replace(b"second.md", b"second-renamed.md"): v for k, v in ctx.protected.items()}
    ctx.run("render", "--jobs", "2", expect="ok")
    led = json.loads((ws / "episodes.json").read_text())
    g = BASE_INFO["guids"]["seeds/second.md"]
    if not any(e.get("guid") == g and e.get("source") == "seeds/second-renamed.md" for e in led["episodes"].values()):
        ctx.issue("DATA LOSS: renamed essay did not keep its guid")
    ctx.expect_feed = False


# ---- operations


@case("ops", "two-renders", "two renders at once: one must be refused", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    (ws / "seeds" / "slow.md").write_text("# Slow\n\n" + "".join(f"Sentence number {i} is here, and it goes on a while. " for i in range(500)) + "\n")
    e = dict(os.environ)
    a = subprocess.Popen([AE, "render", "--jobs", "1"], cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    time.sleep(1.0)
    for args in (("render", "--jobs", "1"), ("script",), ("cache", "prune"), ("publish", str(ctx.dir / "pub")), ("check",)):
        if a.poll() is not None:
            ctx.note(f"the first render ended before {' '.join(args)} started: not tested")
            break
        ctx.run(*args, expect="any" if args[0] == "check" else "error", names=("busy",), timeout=30, is_render=False)
    ctx.before_outside.add("pub")
    try:
        out, err = a.communicate(timeout=120)
        txt = _text(out + err)
        ctx.steps.append({"cmd": "audioessay render --jobs 1 (first, background)", "rc": a.returncode, "hung": False,
                          "traceback": TB in txt, "exception_ignored": EXC_IGN in txt, "first_error": txt.strip().splitlines()[-1] if txt.strip() else ""})
        if a.returncode != 0:
            ctx.issue(f"first render failed rc={a.returncode}")
        if TB in txt:
            ctx.issue("traceback in the first render")
    except subprocess.TimeoutExpired:
        os.killpg(a.pid, signal.SIGKILL)
        ctx.issue("HANG: first render")
    ctx.rendered = True


def _signal_case(sig, expect_rc, delay):
    def fn(ctx: Ctx):
        ws = ctx.fresh()
        (ws / "seeds" / "long.md").write_text("# Long\n\n" + "".join(f"This is sentence {i}, read aloud slowly." + ("\n\n" if i % 7 == 0 else " ") for i in range(400)) + "\n")
        p = subprocess.Popen([AE, "render", "--jobs", "2"], cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        if p.poll() is not None:
            ctx.issue(f"harness: render ended before {sig.name} after {delay}s (not tested)")
        if sig == signal.SIGINT:
            os.killpg(p.pid, sig)  # like Ctrl-C: the whole foreground group
        else:
            os.kill(p.pid, sig)
        try:
            out, err = p.communicate(timeout=60)
            txt = _text(out + err)
            ctx.steps.append({"cmd": f"audioessay render --jobs 2 + {sig.name} after {delay}s", "rc": p.returncode, "hung": False,
                              "traceback": TB in txt, "exception_ignored": EXC_IGN in txt,
                              "first_error": (txt.strip().splitlines() or [""])[-1][:300], "stderr_head": _text(err)[:1500]})
            if TB in txt:
                ctx.issue(f"traceback after {sig.name}")
            if EXC_IGN in txt:
                ctx.issue(f"'Exception ignored' after {sig.name}")
            if expect_rc is not None and p.returncode not in (expect_rc, 0):
                ctx.issue(f"{sig.name}: exit code {p.returncode}, expected {expect_rc}")
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            if sig == signal.SIGKILL:
                ctx.issue("worker processes outlived the SIGKILLed render for > 60 s (still holding its stdout)")
            else:
                ctx.issue(f"HANG after {sig.name}")
        time.sleep(0.5)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        ctx.rendered = True
        # check right after the interrupt, then resume
        rc, out, err, hung, _ = run_raw(["check"], ws, 60)
        if rc != 0:
            ctx.issue(f"DATA LOSS: `audioessay check` fails right after {sig.name}: {_text(out + err).strip()[:300]}")
        ctx.run("render", "--jobs", "2", expect="ok", timeout=150)
    return fn


case("ops", "sigint", "SIGINT (Ctrl-C) during render, then resume", quick=True)(_signal_case(signal.SIGINT, 130, 2.5))
case("ops", "sigterm", "SIGTERM during render, then resume")(_signal_case(signal.SIGTERM, 143, 2.5))
case("ops", "sigkill", "SIGKILL during render, then resume", quick=True)(_signal_case(signal.SIGKILL, None, 3.0))
case("ops", "sigint-early", "SIGINT 0.3 s into render")(_signal_case(signal.SIGINT, 130, 0.3))


class Tmpfs:
    def __init__(self, path: Path, size: str):
        self.path, self.size = path, size

    def __enter__(self):
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size}", "tmpfs", str(self.path)], check=True)
        return self

    def remount(self, opts):
        subprocess.run(["mount", "-o", f"remount,{opts}", str(self.path)], check=True)

    def __exit__(self, *a):
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@case("ops", "readonly", "render/script/review/cache prune in a read-only workspace (tmpfs remounted ro)", quick=True)
def _(ctx: Ctx):
    if os.geteuid() != 0:
        ctx.note("skipped: needs root to mount a tmpfs")
        return
    ctx.dir.mkdir(parents=True, exist_ok=True)
    mnt = ctx.dir / "mnt"
    with Tmpfs(mnt, "64m") as t:
        ctx.ws = mnt / "ws"
        shutil.copytree(BASE, ctx.ws, symlinks=True)
        ctx.before_outside = set(os.listdir(ctx.dir))
        for p in (ctx.ws / "seeds").iterdir():
            ctx.protect(p)
        (ctx.ws / "seeds" / "new.md").write_text("# New\n\nA new essay. Short.\n")
        t.remount("ro")
        ctx.run("render", "--jobs", "2", expect="error", names=("read-only", "Read-only", ctx.ws.name, "workspace"))
        ctx.run("script", expect="error", names=("read-only", "Read-only", "workspace"))
        ctx.run("review", "welcome", "--approve", expect="error", names=("read-only", "Read-only", "workspace", "script.txt"))
        ctx.run("cache", "prune", expect="error", names=("read-only", "Read-only", "workspace"))
        ctx.run("check", expect="ok", is_render=False)
        ctx.run("cache", expect="ok")
        t.remount("rw")
        ctx.run("render", "--jobs", "2", expect="ok")
        ctx.final_checks()
        ctx._final_done = True


@case("ops", "disk-full", "render on a full disk (small tmpfs), then resume with space", quick=True)
def _(ctx: Ctx):
    if os.geteuid() != 0:
        ctx.note("skipped: needs root to mount a tmpfs")
        return
    ctx.dir.mkdir(parents=True, exist_ok=True)
    mnt = ctx.dir / "mnt"
    used = sum(f.stat().st_size for f in BASE.rglob("*") if f.is_file())
    with Tmpfs(mnt, str(used + 400_000)) as t:
        ctx.ws = mnt / "ws"
        shutil.copytree(BASE, ctx.ws, symlinks=True)
        ctx.before_outside = set(os.listdir(ctx.dir))
        for p in (ctx.ws / "seeds").iterdir():
            ctx.protect(p)
        (ctx.ws / "seeds" / "new.md").write_text("# New\n\n" + "A new essay sentence, some length to it. " * 30 + "\n")
        ctx.run("render", "--jobs", "2", expect="error", names=("no space left",), timeout=90)
        rc, out, err, hung, _ = run_raw(["check"], ctx.ws, 60)
        if rc != 0:
            ctx.issue(f"DATA LOSS: `audioessay check` fails on the full disk: {_text(out + err).strip()[:300]}")
        t.remount(f"size={used * 3 + 50_000_000}")
        ctx.run("render", "--jobs", "2", expect="ok", timeout=90)
        ctx.final_checks()
        ctx._final_done = True


@case("ops", "publish", "publish into odd destinations", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    ctx.run("publish", "output/pub", expect="any", is_render=True)
    ctx.run("publish", "output/pub", expect="any", is_render=True)
    ctx.run("publish", ".", expect="any", is_render=True)
    ctx.run("publish", "feeds", expect="any", is_render=True)
    ctx.run("publish", "seeds", expect="any", is_render=True)
    ctx.run("publish", "audioessay.toml", expect="error", names=("audioessay.toml",), is_render=True)
    ctx.run("publish", "/dev/null", expect="error", names=("/dev/null",), is_render=True)
    ctx.run("publish", "", expect="error", is_render=True)
    ctx.run("publish", "http://example.com/x", expect="error", names=("http",), is_render=True)
    ctx.run("publish", "s3://", expect="error", is_render=True)
    ctx.run("publish", "file:///proc/nope/x", expect="error", is_render=True)
    ctx.run("publish", str(ctx.dir / "pub2"), "--base-url", "javascript:alert(1)", expect="error", names=("base-url", "base_url", "URL"), is_render=True)
    ctx.run("publish", str(ctx.dir / "pub3"), "--base-url", "http://x:99999/", expect="error", names=("base-url", "base_url", "URL"), is_render=True)
    ctx.before_outside |= {"pub2", "pub3"}


@case("ops", "render-options", "render with bad options", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    (ws / "seeds" / "opt.md").write_text("Options test. Short.\n")
    ctx.run("render", "--jobs", "0", expect="error")
    ctx.run("render", "--jobs", "2", "--engine", "nope", expect="error", names=("nope",))
    ctx.run("render", "--jobs", "2", "--voice", "--help", expect="any")
    ctx.run("render", "--jobs", "2", "--voice", "../../../etc/passwd", expect="any")
    ctx.run("render", "--jobs", "2", "--rate", "79", expect="error")
    ctx.run("render", "--jobs", "2", "--base-url", "javascript:alert(1)", expect="error", names=("base",))
    ctx.run("render", "--jobs", "2", "--base-url", "http://x:99999/", expect="error", names=("base",))
    if QUICK:
        return
    ctx.run("render", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:1", expect="error", names=("127.0.0.1:1", "scheduler"), timeout=90)
    ctx.run("render", "--jobs", "2", "--scheduler", "garbage", expect="error", names=("garbage", "scheduler"))
    ctx.run("render", "--jobs", "2", "--store", "s3://nope/x", expect="error", names=("store", "scheduler"))


@case("ops", "output-pipes", "stdout closed early / stdout is /dev/full / ASCII stdout", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    (ws / "seeds" / "uni.md").write_text("---\ntitle: \"Caf\u00e9 \u6f22 \U0001F600 \u202eRTL\"\n---\nUnicode title. Fine.\n")
    ctx.protect(ws / "seeds" / "uni.md")
    ctx.run("render", "--jobs", "2", expect="ok", env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C", "LANG": "C"}, label="ascii")
    with open("/dev/full", "wb") as full:
        ctx.run("script", "--json", expect="any", stdout=full)
        ctx.run("check", expect="any", stdout=full)
        ctx.run("review", "welcome", expect="any", stdout=full)
    # stdout a pipe closed at once (like `| head -0`)
    r, w = os.pipe()
    os.close(r)
    with os.fdopen(w, "wb") as wf:
        ctx.run("review", "welcome", expect="any", stdout=wf)
        ctx.run("render", "--jobs", "2", "--json", expect="any", stdout=wf)
        ctx.run("--help", expect="any", stdout=wf)
    ctx.run("render", "--jobs", "2", "--json", expect="ok", json_out=True)


@case("ops", "check", "check on missing / broken / hostile feeds", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    ctx.skip_check = True
    ctx.expect_feed = False
    feed = ws / "feeds" / "feed.xml"
    good = feed.read_bytes()
    feed.unlink()
    ctx.run("check", expect="error", names=("feed.xml",))
    feed.write_bytes(b"")
    ctx.run("check", expect="error", names=("feed.xml",))
    feed.write_bytes(b"<rss><channel><item>")
    ctx.run("check", expect="error", names=("feed.xml",))
    feed.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                     b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
                     b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
                     b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
                     b'<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]><rss><channel><title>&i;</title></channel></rss>')
    ctx.run("check", expect="error", names=("feed.xml",), label="xml-bomb", timeout=30)
    feed.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>')
    ctx.run("check", expect="error", names=("feed.xml",), label="xxe")
    feed.write_bytes(good.replace(b"output/welcome/", b"../../../../etc/", 1))
    ctx.run("check", expect="error", names=("feed.xml", "etc"), label="enclosure traversal")
    feed.write_bytes(good)
    mp3 = next((ws / "output" / "welcome").glob("welcome*.mp3"))
    keep = mp3.read_bytes()
    mp3.write_bytes(keep[: len(keep) // 2])
    ctx.run("check", expect="error", names=(mp3.name,), label="truncated mp3")
    mp3.write_bytes(keep)
    ctx.run("check", expect="ok")
    empty = ctx.dir / "empty"
    empty.mkdir()
    ctx.run("check", expect="error", cwd=empty, names=("audioessay.toml", "workspace"))
    ctx.run("render", expect="error", cwd=empty, names=("audioessay.toml", "workspace"), is_render=False)
    ctx.before_outside.add("empty")


@case("ops", "review-preview-say", "review / preview / say with bad arguments", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    o = str(ctx.dir / "o.wav")
    for slug in ("", "nope", "../..", "../../etc/passwd", "-x", "welcome/../welcome", "a" * 300, "wel\ncome", "output"):
        ctx.run("review", slug, expect="error", names=(slug[:40] or "slug", "SLUG", "slug"))
    ctx.run("review", "welcome", "--attention", expect="ok")
    ctx.run("review", "nope", "--approve", expect="error", names=("nope",))
    n_lines = len((ws / "output" / "welcome" / "script.txt").read_text().splitlines())
    for line in ("0", "-1", "1", "2", "11", "13", str(n_lines + 1), "99999", str(10 ** 30), "x"):
        ctx.run("preview", "welcome", "--line", line, "--out", o, expect="any", names=("line", "script.txt"))
    ctx.run("preview", "../..", "--line", "12", "--out", o, expect="error", names=("../..",))
    ctx.run("preview", "nope", "--line", "12", "--out", o, expect="error", names=("nope",))
    ctx.run("preview", "welcome", "--line", "12", "--out", "/dev/full", expect="any")
    ctx.run("preview", "welcome", "--line", "12", "--out", str(ctx.dir / "x.ogg"), expect="any")
    for text in ("", "   ", "\u200b", "---", "[pause 5s]", "# heading", "\U0001F600", "\x01\x02", "-", "--help"):
        ctx.run("say", "--out", o, "--", text, expect="any")
    ctx.run("say", "--out", str(ctx.dir / "nodir" / "x.wav"), "hello", expect="any", names=("nodir",))
    ctx.before_outside.add("nodir")
    ctx.run("say", "--out", str(ctx.dir), "hello", expect="error", names=(str(ctx.dir),))
    ctx.run("say", "--out", str(ctx.dir / "x.ogg"), "hello", expect="any")
    ctx.run("say", "--out", "/dev/full", "hello", expect="any")
    ctx.run("say", "--out", o, "--engine", "nope", "hello", expect="error", names=("nope",))
    ctx.run("say", "--out", o, "word " * 3000, expect="any", timeout=90)
    ctx.before_outside |= {"o.wav", "x.ogg", "x.wav"}
    if (ws / "say.wav").exists():
        ctx.note("say wrote ./say.wav")
    outside = ctx.dir / "outside"
    outside.mkdir()
    ctx.run("say", "--out", str(outside / "s.wav"), "Outside a workspace.", cwd=outside, expect="ok")
    ctx.before_outside |= {"outside"}


@case("ops", "init", "init onto existing workspaces and odd paths", quick=True)
def _(ctx: Ctx):
    ws = ctx.fresh()
    cfg = (ws / "audioessay.toml").read_bytes()
    (ws / "audioessay.toml").write_bytes(cfg + b"# hand edit\n")
    ctx.protect(ws / "audioessay.toml")
    ctx.protect(ws / "episodes.json")
    ctx.run("init", str(ws), expect="error", names=(str(ws), "audioessay.toml", "exists"))
    ctx.run("init", ".", expect="error", names=("audioessay.toml", "exists", "."))
    ctx.run("init", str(ws / "seeds" / "welcome.md"), expect="error", names=("welcome.md",))
    ctx.run("init", "", expect="error")
    ctx.run("init", "/proc/nope/x", expect="error", names=("/proc/nope",))
    ctx.run("init", str(ctx.dir / ("n" * 300)), expect="error", names=("nnnn",))
    part = ctx.dir / "partial"
    part.mkdir()
    (part / "seeds").mkdir()
    (part / "seeds" / "mine.md").write_text("My own essay. Keep me.\n")
    ctx.protect(part / "seeds" / "mine.md")
    ctx.run("init", str(part), expect="any")
    ctx.before_outside |= {"partial"}
    (ws / "audioessay.toml").write_bytes(cfg)
    ctx.protected.pop(os.fsencode(ws / "audioessay.toml"))


@case("ops", "cache", "cache commands with a broken cache", quick=False)
def _(ctx: Ctx):
    ws = ctx.fresh()
    cache = ws / ".audioessay" / "cache"
    files = [p for p in cache.rglob("*") if p.is_file()]
    if files:
        files[0].write_bytes(b"junk")
        if len(files) > 1:
            files[1].write_bytes(b"")
    (cache / "stray.tmp").write_bytes(b"x")
    ctx.run("cache", expect="ok")
    ctx.run("render", "--jobs", "2", expect="ok")
    ctx.run("cache", "prune", expect="ok", is_render=True)
    ctx.run("cache", "nonsense", expect="error")
    shutil.rmtree(cache)
    cache.write_bytes(b"not a dir")
    ctx.run("cache", expect="any", names=("cache",))
    ctx.run("render", "--jobs", "2", expect="any", names=("cache",))
    ctx.run("cache", "prune", expect="any", names=("cache",), is_render=True)
    cache.unlink()
    for memo in ("essays.json", "scripts.json", "published.json", "checked.json"):
        p = ws / ".audioessay" / memo
        p.parent.mkdir(exist_ok=True)
        p.write_text("{corrupt")
    ctx.run("render", "--jobs", "2", expect="ok", label="corrupt memos")
    (ws / ".audioessay" / "lock").unlink(missing_ok=True)
    (ws / ".audioessay" / "lock").mkdir()
    ctx.run("render", "--jobs", "2", expect="error", names=("lock",))
    (ws / ".audioessay" / "lock").rmdir()


@case("ops", "outputs-damaged", "damaged outputs: truncated mp3, build.json garbage, .encoded removed", quick=False)
def _(ctx: Ctx):
    ws = ctx.fresh()
    d = ws / "output" / "welcome"
    (d / "build.json").write_text("{garbage")
    (d / "report.json").write_bytes(b"\0\0")
    shutil.rmtree(d / ".encoded", ignore_errors=True)
    mp3 = next(d.glob("welcome*.mp3"))
    mp3.write_bytes(mp3.read_bytes()[:1000])
    ctx.run("render", "--jobs", "2", expect="ok")
    d2 = ws / "output" / "second"
    shutil.rmtree(d2)
    ctx.run("render", "--jobs", "2", expect="ok", label="output/second removed")


# ---- serve

def _serve_case(ctx: Ctx):
    ws = ctx.fresh()
    p = subprocess.Popen([AE, "serve", "--port", "0"], cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    lines: list[str] = []
    errs: list[str] = []
    threading.Thread(target=lambda: [lines.append(_text(l)) for l in p.stdout], daemon=True).start()
    threading.Thread(target=lambda: [errs.append(_text(l)) for l in p.stderr], daemon=True).start()
    port = None
    t0 = time.time()
    while time.time() - t0 < 20 and port is None:
        for ln in lines:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", ln)
            if m:
                port = int(m.group(1))
        time.sleep(0.1)
    step = {"cmd": "audioessay serve --port 0 (+ hostile HTTP clients)", "rc": None, "hung": False}
    ctx.steps.append(step)
    if port is None:
        ctx.issue("serve printed no URL within 20 s: " + "".join(errs)[:300])
        os.killpg(p.pid, signal.SIGKILL)
        return
    mp3 = "/" + str(next((ws / "output" / "welcome").glob("welcome*.mp3")).relative_to(ws))
    results = {}

    def raw_req(req: bytes, timeout=10.0, read_all=False):
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        try:
            s.sendall(req)
            data = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                data += chunk
                if not read_all and b"\r\n\r\n" in data and len(data) > 200000:
                    break
            return data
        finally:
            s.close()

    def status(data: bytes):
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        return int(m.group(1)) if m else None

    def get(path, headers=(), method="GET"):
        h = "".join(f"{k}: {v}\r\n" for k, v in headers)
        return raw_req(f"{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{h}\r\n".encode("latin-1", "replace") if isinstance(path, str) else
                       method.encode() + b" " + path + b" HTTP/1.0\r\nHost: x\r\n" + h.encode() + b"\r\n")

    checks = []
    ranges = ["bytes=99999999999999999999999999-", "bytes=-0", "bytes=5-1", "bytes=" + ",".join(["0-0"] * 2000),
              "bytes=abc", "bytes=-99999999999999999999", "bytes=0-99999999999999999999999", "bytes=1-2-3",
              "items=0-1", "bytes= 0 - 1 ", "bytes=-", "bytes=" + "9" * 5000 + "-", "bytes=0-0, -1"]
    for r in ranges:
        d = get(mp3, [("Range", r)])
        st = status(d)
        checks.append(("Range " + r[:40], st))
        if st is None or st >= 500:
            ctx.issue(f"serve: Range {r[:50]!r} -> status {st}")
    forbidden = ["/audioessay.toml", "/episodes.json", "/seeds/welcome.md", "/output/welcome/script.txt",
                 "/../audioessay.toml", "/%2e%2e/episodes.json", "/feeds/../episodes.json", "/feeds/%2e%2e/audioessay.toml",
                 "/output/welcome/..%2fscript.txt", "/output/welcome/%2e%2e/%2e%2e/episodes.json", "//etc/passwd",
                 "/.audioessay/lock", "/output/welcome/build.json", "/output/welcome/.encoded/", "/feeds/feed.xml%00.mp3",
                 "/output/welcome/report.json", "/" + "a/" * 3000, "/\x00", "/etc/passwd", "http://127.0.0.1/episodes.json",
                 "/output/welcome/welcome.mp3/../../../audioessay.toml"]
    for path in forbidden:
        d = get(path)
        st = status(d)
        checks.append(("GET " + path[:50], st))
        if st == 200:
            ctx.issue(f"serve: GET {path[:60]!r} -> 200 (a private file served?)")
        if st is None or st >= 500:
            ctx.issue(f"serve: GET {path[:60]!r} -> status {st}")
    for hdrs, label in (([("If-Modified-Since", "garbage")], "bad If-Modified-Since"),
                        ([("If-Modified-Since", "Sat, 31 Dec 9999 23:59:59 GMT")], "far If-Modified-Since"),
                        ([("If-None-Match", "*" * 10000)], "huge If-None-Match"),
                        ([("X-Long", "x" * 70000)], "70 KB header"),
                        ([("Range", "bytes=0-1")] * 200, "200 Range headers")):
        st = status(get(mp3, hdrs))
        checks.append((label, st))
        if st is None or st >= 500:
            ctx.issue(f"serve: {label} -> status {st}")
    for req, label in ((b"GARBAGE\r\n\r\n", "garbage request"), (b"GET / HTTP/9.9\r\n\r\n", "HTTP/9.9"),
                       (b"DELETE /feeds/feed.xml HTTP/1.0\r\n\r\n", "DELETE"), (b"PUT /feeds/feed.xml HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", "PUT"),
                       (b"\xff\xfe\x00\x01\r\n\r\n", "binary request"), (b"GET /feeds/feed.xml HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "negative content-length")):
        st = status(raw_req(req, timeout=5))
        checks.append((label, st))
        if st is not None and st >= 500 and st != 501 and st != 505:
            ctx.issue(f"serve: {label} -> status {st}")
    # HEAD and range correctness
    d = get(mp3, [("Range", "bytes=0-9")])
    body = d.split(b"\r\n\r\n", 1)[-1]
    if status(d) != 206 or len(body) != 10:
        ctx.issue(f"serve: Range bytes=0-9 -> {status(d)} with {len(body)} body bytes")
    # slowloris: 60 idle connections, then a normal request must still work
    idle = []
    for _ in range(60):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /feeds/feed.xml HTTP/1.1\r\nHost: x\r\n")
            idle.append(s)
        except OSError:
            break
    t1 = time.time()
    try:
        st = status(raw_req(b"GET /feeds/feed.xml HTTP/1.0\r\n\r\n", timeout=10))
    except OSError as exc:
        st = f"{exc}"
    if st != 200:
        ctx.issue(f"serve: with 60 idle half-open connections a normal request got {st} after {time.time() - t1:.1f}s (slowloris)")
    for s in idle:
        s.close()
    # 200 parallel requests
    paths = [mp3, "/feeds/feed.xml", "/feeds/index.html", "/feeds/cover.jpg"]

    def one(i):
        try:
            hdr = [("Range", f"bytes={i}-{i + 1000}")] if i % 3 == 0 else []
            return status(raw_req(f"GET {paths[i % 4]} HTTP/1.0\r\n{''.join(f'{k}: {v}' for k, v in hdr)}\r\n\r\n".encode(), timeout=30, read_all=True))
        except OSError as exc:
            return str(exc)

    with cf.ThreadPoolExecutor(50) as ex:
        sts = list(ex.map(one, range(200)))
    bad = [s for s in sts if s not in (200, 206)]
    if bad:
        ctx.issue(f"serve: {len(bad)}/200 parallel requests failed: {sorted(set(map(str, bad)))[:5]}")
    # client that disconnects mid-download
    for _ in range(20):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(f"GET {mp3} HTTP/1.0\r\n\r\n".encode())
            s.recv(100)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        except OSError:
            pass
    time.sleep(0.5)
    if p.poll() is not None:
        ctx.issue(f"serve died (rc={p.returncode})")
    else:
        st = status(raw_req(b"GET /feeds/feed.xml HTTP/1.0\r\n\r\n", timeout=10))
        if st != 200:
            ctx.issue(f"serve: after the attack, feed -> {st}")
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            ctx.issue("serve: HANG on SIGINT")
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    time.sleep(0.3)
    err = "".join(errs)
    out = "".join(lines)
    step.update(rc=p.returncode, traceback=TB in err + out, exception_ignored=EXC_IGN in err + out,
                stderr_head=err[-2500:], checks=checks, first_error=next((l for l in err.splitlines() if "rror" in l), ""))
    if TB in err + out:
        tbl = [l for l in (err + out).splitlines() if re.match(r"^\w[\w.]*(Error|Exception)\b", l)]
        ctx.issue(f"serve: traceback in its output: {(tbl or ['?'])[0][:200]}")
    if EXC_IGN in err + out:
        ctx.issue("serve: 'Exception ignored' in its output")
    if p.returncode not in (0, 130, -2):
        ctx.issue(f"serve: exit code {p.returncode} after SIGINT")
    ctx.rendered = True  # serve rewrote the feed: check must still pass


case("ops", "serve", "serve: hostile ranges, traversal, slowloris, 200 parallel requests", quick=True)(_serve_case)


@case("ops", "serve-args", "serve with bad arguments", quick=True)
def _(ctx: Ctx):
    ctx.fresh()
    ctx.run("serve", "--port", "70000", expect="error", timeout=10)
    ctx.run("serve", "--host", "999.1.1.1", "--port", "0", expect="error", names=("999.1.1.1",), timeout=10)
    ctx.run("serve", "--host", "no.such.host.invalid", "--port", "0", expect="error", names=("no.such.host.invalid",), timeout=15)
    ctx.run("serve", "--port", "0", "--base-url", "javascript:alert(1)", expect="error", names=("base",), timeout=10)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    ctx.run("serve", "--port", str(busy.getsockname()[1]), expect="error", names=(str(busy.getsockname()[1]), "in use"), timeout=10)
    busy.close()


# --------------------------------------------------------------------------- driver


def run_case(cid, group, desc, fn):
    ctx = Ctx(cid, group, desc)
    ctx.losses = []
    t0 = time.monotonic()
    try:
        fn(ctx)
    except Exception as exc:  # a harness bug: record it, go on
        ctx.issue(f"HARNESS ERROR: {type(exc).__name__}: {exc}")
        ctx.notes.append(traceback.format_exc()[-1500:])
    try:
        if not getattr(ctx, "_final_done", False):
            ctx.final_checks()
    except Exception as exc:
        ctx.issue(f"HARNESS ERROR in final checks: {type(exc).__name__}: {exc}")
    rec = {"id": cid, "group": group, "input": desc, "secs": round(time.monotonic() - t0, 1),
           "steps": ctx.steps, "issues": ctx.issues, "notes": ctx.notes,
           "traceback": any(s.get("traceback") for s in ctx.steps) or any("traceback" in i for i in ctx.issues),
           "exception_ignored": any(s.get("exception_ignored") for s in ctx.steps),
           "hang": any(s.get("hung") for s in ctx.steps) or any("HANG" in i for i in ctx.issues),
           "data_loss": [i for i in ctx.issues if i.startswith("DATA LOSS")],
           "failed": bool(ctx.issues)}
    if not KEEP and ctx.dir.exists():
        subprocess.run(["umount", "-l", str(ctx.dir / "mnt")], stderr=subprocess.DEVNULL, check=False) if (ctx.dir / "mnt").exists() else None
        shutil.rmtree(ctx.dir, ignore_errors=True)
    return rec


KEEP = False


def main():
    global QUICK, ROOT, KEEP
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a smaller run (about 5 minutes)")
    ap.add_argument("--out", default="/tmp/adv.json")
    ap.add_argument("--only", default="", help="run only cases whose id contains this")
    ap.add_argument("--keep", action="store_true", help="keep the workspaces")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    QUICK, KEEP = a.quick, a.keep
    if os.path.exists("/tmp/adv-pwned"):
        os.unlink("/tmp/adv-pwned")
    ROOT = Path(tempfile.mkdtemp(prefix="adv-"))
    (ROOT / "cases").mkdir()
    t0 = time.monotonic()
    print(f"workspaces under {ROOT}", flush=True)
    build_base()
    print(f"base workspace rendered in {time.monotonic() - t0:.0f}s", flush=True)
    register_generated()
    register_configs()
    todo = [c for c in CASES if (not QUICK or c[4]) and a.only in c[0]]
    if a.list:
        for c in todo:
            print(c[0], "-", c[2])
        return
    results = []
    for i, (cid, group, desc, fn, _q) in enumerate(todo, 1):
        rec = run_case(cid, group, desc, fn)
        results.append(rec)
        mark = "FAIL" if rec["failed"] else "ok  "
        print(f"[{i:3}/{len(todo)}] {mark} {cid} ({rec['secs']}s)" + (f": {rec['issues'][0][:150]}" if rec["failed"] else ""), flush=True)
    total = time.monotonic() - t0
    inputs = len(results)
    cmds = sum(len(r["steps"]) for r in results)
    tbs = [r for r in results if r["traceback"]]
    hangs = [r for r in results if r["hang"]]
    losses = [r for r in results if r["data_loss"]]
    failing = [r for r in results if r["failed"]]
    summary = {"inputs_tried": inputs, "commands_run": cmds, "tracebacks": len(tbs), "exception_ignored": sum(r["exception_ignored"] for r in results),
               "hangs": len(hangs), "data_losses": len(losses), "failing_cases": len(failing), "seconds": round(total), "quick": QUICK}
    print()
    print("=" * 100)
    print(f"{'inputs tried':<22}{inputs}\n{'commands run':<22}{cmds}\n{'tracebacks':<22}{len(tbs)}\n{'Exception ignored':<22}{summary['exception_ignored']}\n"
          f"{'hangs':<22}{len(hangs)}\n{'data losses':<22}{len(losses)}\n{'failing cases':<22}{len(failing)}\n{'time':<22}{total:.0f}s")
    print("=" * 100)
    for r in failing:
        print(f"- {r['id']} ({r['input']})")
        for iss in r["issues"][:6]:
            print(f"    * {iss[:220]}")
        st = next((s for s in r["steps"] if s.get("traceback") or s.get("hung") or (s.get("rc") not in (0, None))), r["steps"][0] if r["steps"] else None)
        if st:
            print(f"    $ {st['cmd'][:200]}  -> rc={st.get('rc')}{' HUNG' if st.get('hung') else ''}")
            print(f"      {st.get('first_error', '')[:220]}")
    Path(a.out).write_text(json.dumps({"summary": summary, "root": str(ROOT), "cases": results}, indent=1, default=str))
    print(f"\nJSON: {a.out}")
    if not KEEP:
        shutil.rmtree(ROOT, ignore_errors=True)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
