"""audioessay benchmarks: narration (issue 5), mastering (issue 6), scale (issue 9) and sentence
splitting (hardening: figure 10, ``--only sentences``).

Benchmarks, not tests: every figure is a ratio against a baseline measured in the same run on the
same text, or an absolute time or memory figure; each is printed with its target and "met" or
"MISSED". The script exits 0 either way (2 only when a scenario could not run at all).

    .venv/bin/python bench/run.py               # the full run (about 5 minutes on an idle 2-core machine)
    .venv/bin/python bench/run.py --quick       # a smaller run (about 2 minutes)
    .venv/bin/python bench/run.py --profile     # also cProfile the main process of missed render figures
    .venv/bin/python bench/run.py --wait-idle 300   # wait for other work to stop before each scenario
    .venv/bin/python bench/run.py --full-scale  # figure 7 with 1,000 episodes rendered for real (+6-10 min)

Figure 7 (no-op render of 1,000 episodes) is extrapolated unless --full-scale: rendering 1,000
episodes does not fit in the time budget; the output says so and how the figure was obtained.

Every scenario runs in a fresh temporary workspace (the repository's audioessay.toml and audio/,
essays in seeds/), runs the installed ``audioessay`` command (next to this Python) as a
subprocess, times it with time.perf_counter and samples the summed memory of its whole process
tree every 20 ms (bench/proctree.py). Repeated measurements keep the fastest run (the one least
disturbed by other work on the machine); the CPU used by *other* processes during each
measurement is printed as "bg" (average busy cores), because a loaded machine skews every ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# bench/ is not a package: its helper modules import only after HERE is on sys.path (above).
from proctree import Measured, make_subreaper, run_measured, run_pipeline  # noqa: E402
from shortessays import write_short_essays  # noqa: E402
from workspaces import (  # noqa: E402
    FAST_AUDIO,
    LONG_ESSAY,
    edit_one_sentence,
    long_essay_script,
    make_workspace,
    plain_text,
)

BIN = Path(sys.executable).parent
AUDIOESSAY = str(BIN / "audioessay")
MB = 1024 * 1024
HZ = os.sysconf("SC_CLK_TCK")
NCPU = len(os.sched_getaffinity(0))


# --------------------------------------------------------------------------- reporting


@dataclass
class Figure:
    key: str
    issue: str
    name: str
    value: float | None
    unit: str
    target: str
    met: bool | None  # None: informational or could not be measured
    detail: str = ""


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        status = "info" if figure.met is None else ("met" if figure.met else "MISSED")
        value = "n/a" if figure.value is None else _fmt(figure.value, figure.unit)
        print(f"  => ({figure.key}) {figure.name}: {value}  [target {figure.target}]  {status}"
              + (f"   ({figure.detail})" if figure.detail else ""), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


def _fmt(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "frac":
        return f"{value:.2f}"
    if unit == "takes":
        return f"{value:.0f}"
    return f"{value:g} {unit}"


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


# --------------------------------------------------------------------------- CPU accounting


def _busy_jiffies() -> int:
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal


def _own_cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class CpuWatch:
    """CPU seconds per wall second used by this benchmark and the processes it reaped
    (``own_cores``) and by every other process on the machine (``background``)."""

    def __enter__(self) -> CpuWatch:  # noqa: PYI034
        self.t0, self.busy0, self.own0 = time.perf_counter(), _busy_jiffies(), _own_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.t0
        busy = (_busy_jiffies() - self.busy0) / HZ
        own = _own_cpu() - self.own0
        self.own_cores = own / wall if wall else 0.0
        self.background = max(0.0, (busy - own) / wall) if wall else 0.0


def wait_for_quiet(max_wait: float, threshold: float = 0.25) -> None:
    """Wait (up to ``max_wait`` s) until other processes use under ``threshold`` cores for 3 s in a row."""
    if max_wait <= 0:
        return
    deadline, quiet, start = time.monotonic() + max_wait, 0, time.monotonic()
    while time.monotonic() < deadline:
        with CpuWatch() as watch:
            time.sleep(1.0)
        quiet = quiet + 1 if watch.background < threshold else 0
        if quiet >= 3:
            print(f"  (machine quiet after {time.monotonic() - start:.0f} s)", flush=True)
            return
    print(f"  (machine still busy after {max_wait:.0f} s: measuring anyway)", flush=True)


def timed_cli(args: list[str], cwd: Path, label: str, memory: bool = True) -> tuple[Measured, CpuWatch]:
    """Run ``audioessay ARGS`` in ``cwd``; print and return the measurement and the CPU it and
    other processes used (``watch.own_cores``: the render's whole process tree, which this
    process reaps; ``watch.background``: everything else)."""
    with CpuWatch() as watch:
        m = run_measured([AUDIOESSAY, *args], cwd=cwd, memory=memory)
    rss = f", tree peak {m.tree.peak_rss / MB:.0f} MB RSS / {m.tree.peak_pss / MB:.0f} MB PSS" if memory else ""
    print(f"  {label}: {m.seconds:.2f} s{rss}, {watch.own_cores:.2f} cores busy, bg {watch.background:.2f} cores",
          flush=True)
    if m.returncode != 0:
        print(f"  !! exit {m.returncode}: {m.stderr.strip()[-2000:]}", flush=True)
    return m, watch


def render_json(m: Measured) -> dict[str, Any]:
    try:
        return json.loads(m.stdout)
    except ValueError:
        return {"episodes": [], "errors": [{"source": "?", "message": m.stderr[-500:]}], "problems": []}


def check_render(m: Measured, label: str, expect: int | None = None) -> dict[str, Any]:
    data = render_json(m)
    if m.returncode != 0 or data.get("errors"):
        raise RuntimeError(f"{label}: render failed (exit {m.returncode}): "
                           f"{data.get('errors') or m.stderr[-1500:]}")
    if expect is not None and len(data["episodes"]) != expect:
        raise RuntimeError(f"{label}: expected {expect} episodes, got {len(data['episodes'])}")
    return data


# --------------------------------------------------------------------------- issue 5: narration


def narration_requests(limit: int | None) -> list[Any]:
    """One TakeRequest per sentence of the long essay's script, with render's voice settings."""
    from workspaces import REPO

    from audioessay.pipeline.plan import voice_settings
    from audioessay.pipeline.report import VoiceOverrides
    from audioessay.voice.cache import TakeRequest
    from audioessay.voice.engine import require_available
    from audioessay.workspace import load_workspace

    essay, script = long_essay_script()
    settings = voice_settings(load_workspace(REPO), essay, VoiceOverrides())
    version = require_available(settings.engine).version()
    sentences = script.sentences()[:limit] if limit else script.sentences()
    return [TakeRequest(text, settings, version) for text in sentences]


def time_narration(requests: list[Any], jobs: int, tmp: Path) -> tuple[float, float, float]:
    """narrate() of every request with a fresh cache and a fresh local pool of ``jobs`` workers.

    The time includes starting the spawn workers (render pays that too) and shutting them down.
    Returns (seconds, background cores, CPU seconds of this process and its workers)."""
    from audioessay.voice.cache import TakeCache
    from audioessay.voice.narrate import local_executor, narrate

    cache_dir = Path(tempfile.mkdtemp(prefix=f"narrate-j{jobs}-", dir=tmp))
    with CpuWatch() as watch:
        cpu0 = _own_cpu()
        start = time.perf_counter()
        pool = local_executor(jobs)
        try:
            outcomes = narrate(requests, TakeCache(cache_dir), pool, jobs=jobs)
        finally:
            pool.shutdown(wait=True)
        seconds = time.perf_counter() - start
        cpu = _own_cpu() - cpu0
    failed = [o for o in outcomes.values() if o.path is None]
    if failed:
        raise RuntimeError(f"narration failed for {len(failed)} takes: {failed[0].error}")
    made = sum(1 for o in outcomes.values() if o.synthesized)
    print(f"  narrate jobs={jobs}: {seconds:.2f} s for {made} takes, CPU {cpu:.2f} s "
          f"({cpu / seconds:.2f} cores), bg {watch.background:.2f} cores", flush=True)
    shutil.rmtree(cache_dir, ignore_errors=True)
    return seconds, watch.background, cpu


def espeak_command(text_file: Path, out: Path) -> list[str]:
    # Same voice and rate as the workspace's config (en-us, 175 wpm).
    return ["espeak-ng", "-v", "en-us", "-s", "175", "-w", str(out), "-f", str(text_file)]


def scenario_narration(rep: Report, tmp: Path, quick: bool, repeats: int) -> None:
    heading("Issue 5: narration")
    limit = 90 if quick else None
    requests = narration_requests(limit)
    text_file = tmp / "essay.txt"
    text_file.write_text(plain_text(long_essay_script()[1], limit), encoding="utf-8")
    chars = sum(len(r.text) for r in requests)
    print(f"  {len(requests)} sentences, {chars} characters of the long essay's script"
          + (" (first 90 sentences: --quick)" if quick else ""), flush=True)
    j1, j2, es = [], [], []
    cpu1, cpu2 = [], []
    for _ in range(repeats):  # interleaved, so that a burst of background load hits both sides
        for jobs, times, cpus in ((1, j1, cpu1), (2, j2, cpu2)):
            seconds, _bg, cpu = time_narration(requests, jobs, tmp)
            times.append(seconds)
            cpus.append(cpu)
        with CpuWatch() as watch:
            m = run_measured(espeak_command(text_file, tmp / "espeak.wav"), memory=False)
        if m.returncode != 0:
            raise RuntimeError(f"espeak-ng failed: {m.stderr[-500:]}")
        print(f"  espeak-ng -w (whole text, one command): {m.seconds:.2f} s, bg {watch.background:.2f} cores",
              flush=True)
        es.append(m.seconds)
    t1, t2, te = min(j1), min(j2), min(es)
    rep.raw["narration"] = {"jobs1": j1, "jobs2": j2, "espeak": es, "cpu_jobs1": cpu1, "cpu_jobs2": cpu2,
                            "sentences": len(requests)}
    rep.add(Figure("1", "5", "narration speed-up, jobs 2 vs jobs 1", t1 / t2, "x", ">= 1.70x", t1 / t2 >= 1.7,
                   f"jobs 1 {t1:.2f} s, jobs 2 {t2:.2f} s; CPU {min(cpu1):.2f} vs {min(cpu2):.2f} s"))
    rep.add(Figure("2", "5", "our narration (jobs 2) / espeak-ng -w", t2 / te, "x", "<= 2.00x", t2 / te <= 2.0,
                   f"ours {t2:.2f} s, espeak-ng {te:.2f} s"))


# --------------------------------------------------------------------------- issue 6: mastering


def naive_pipeline(text_file: Path, out: Path) -> tuple[list[str], list[str]]:
    first = ["espeak-ng", "-v", "en-us", "-s", "175", "--stdout", "-f", str(text_file)]
    second = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", "-", "-ac", "1", "-ar", "44100",
              "-b:a", "96k", str(out)]
    return first, second


def scenario_mastering(rep: Report, tmp: Path, quick: bool, repeats: int) -> dict[str, Any]:
    heading("Issue 6: one long episode (and issue 5's one-sentence edit)")
    text_file = tmp / "essay.txt"  # the whole script's text
    text_file.write_text(plain_text(long_essay_script()[1]), encoding="utf-8")
    full, naive, edits, edit_takes, peaks = [], [], [], [], []
    runs: list[dict[str, Any]] = []
    for index in range(repeats):
        ws = make_workspace(tmp / f"long-{index}")
        shutil.copy(LONG_ESSAY, ws / "seeds" / LONG_ESSAY.name)
        m, watch = timed_cli(["render", "--jobs", "2", "--json"], ws, f"render (cold cache) #{index + 1}")
        bg = watch.background
        data = check_render(m, "full render", expect=1)
        episode = data["episodes"][0]
        full.append(m.seconds)
        peaks.append(m.tree)
        runs.append({"seconds": m.seconds, "bg": bg, "peak_rss": m.tree.peak_rss, "peak_pss": m.tree.peak_pss,
                     "synthesized": episode["synthesized"], "duration": episode["duration"]})
        first, second = naive_pipeline(text_file, tmp / "naive.mp3")
        with CpuWatch() as watch:
            n = run_pipeline(first, second)
        if n.returncode != 0:
            raise RuntimeError(f"naive pipeline failed: {n.stderr[-500:]}")
        print(f"  naive espeak-ng | ffmpeg 96k #{index + 1}: {n.seconds:.2f} s, tree peak "
              f"{n.tree.peak_rss / MB:.0f} MB, bg {watch.background:.2f} cores", flush=True)
        naive.append(n.seconds)
        old, _new = edit_one_sentence(ws / "output" / "long-essay" / "script.txt")
        e, _bg = timed_cli(["render", "--jobs", "2", "--json"], ws, f"re-render after a one-sentence edit #{index + 1}")
        edited = check_render(e, "edit re-render", expect=1)["episodes"][0]
        edits.append(e.seconds)
        edit_takes.append(edited["synthesized"])
        print(f"    edited: {old[:60]!r}... -> synthesized {edited['synthesized']}, cached {edited['cached']}",
              flush=True)
    best = min(range(len(full)), key=lambda i: full[i])
    tf, tn = full[best], min(naive)
    tree = peaks[best]
    peak_rss = max(p.peak_rss for p in peaks) / MB
    peak_pss = max(p.peak_pss for p in peaks) / MB
    breakdown = ", ".join(f"{name} {rss / MB:.0f}" for name, rss in max(peaks, key=lambda p: p.peak_rss)
                          .peak_breakdown[:6])
    te = min(edits)
    rep.raw["mastering"] = {"full": full, "naive": naive, "edit": edits, "edit_takes": edit_takes, "runs": runs,
                            "duration_s": runs[0]["duration"]}
    rep.add(Figure("3", "5", "takes re-narrated after a one-sentence edit", max(edit_takes), "takes", "== 1",
                   all(t == 1 for t in edit_takes), f"re-render {te:.2f} s; per run {edit_takes}"))
    rep.add(Figure("4", "6", "full render (cold) / naive espeak-ng|ffmpeg", tf / tn, "x", "<= 1.00x", tf / tn <= 1.0,
                   f"render {tf:.2f} s, naive {tn:.2f} s, episode {runs[0]['duration'] / 60:.1f} min"))
    rep.add(Figure("5", "6", "peak memory of the render's process tree (summed RSS)", peak_rss, "MB", "< 150 MB",
                   peak_rss < 150, f"PSS {peak_pss:.0f} MB; at the peak: {breakdown} (MB RSS); "
                                   f"{tree.peak_procs} processes at most"))
    rep.add(Figure("6", "6", "one-sentence edit re-render / full render", te / tf, "frac", "<= 0.15", te / tf <= 0.15,
                   f"{te:.2f} s / {tf:.2f} s"))
    return {"workspace": tmp / f"long-{best}"}


# --------------------------------------------------------------------------- issue 9: scale


@dataclass
class ShortRuns:
    """Figure 9's renders: mean seconds and mean busy cores per --jobs value, the last jobs-2 workspace."""

    seconds: dict[int, float]
    cores: dict[int, float]
    workspace: Path

    @property
    def ratio(self) -> float:
        return self.seconds[1] / self.seconds[2]

    @property
    def ceiling(self) -> float:
        """The most --jobs 2 could give on this machine's cores for the CPU work that --jobs 1 did
        in the same run: jobs 1 already kept ``cores[1]`` cores busy (LAME and mpg123 run beside
        the Python that feeds them), and jobs 2 can keep at most twice that busy, or every core
        (on two cores: 2 / cores[1])."""
        return min(NCPU, 2 * self.cores[1]) / self.cores[1]


def _short_pair(tmp: Path, count: int, audio: dict[str, Any] | None, label: str) -> ShortRuns:
    """First renders of ``count`` short essays in fresh workspaces, in the order jobs 2, 1, 1, 2.

    On this kind of machine a sustained load slows later runs (by up to 15% over a minute, with
    no other process busy); the symmetric order cancels such a drift from the ratio of the means."""
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    last: Path | None = None
    for index, jobs in enumerate((2, 1, 1, 2)):
        ws = make_workspace(tmp / f"short-{label}-{index}", audio)
        write_short_essays(ws / "seeds", count)
        # No memory sampling: reading every process's smaps_rollup 50 times a second costs CPU, and
        # with --jobs 2 there is no idle core to absorb it, which would bias the ratio.
        m, watch = timed_cli(["render", "--jobs", str(jobs), "--json"], ws,
                             f"render {count} episodes ({label} config), jobs {jobs}", memory=False)
        check_render(m, f"render {count} short ({label}), jobs {jobs}", expect=count)
        runs[jobs].append((m.seconds, watch.own_cores))
        if last is not None:
            shutil.rmtree(last, ignore_errors=True)
        last = ws
    assert last is not None

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    return ShortRuns({jobs: mean([t for t, _ in r]) for jobs, r in runs.items()},
                     {jobs: mean([c for _, c in r]) for jobs, r in runs.items()}, last)


def scenario_parallel_short(rep: Report, tmp: Path, count: int) -> dict[str, Any]:
    """Figure 9 with the settings a new workspace has (intro music, spoken announcement, 96 kbps),
    which is what a publication converting its back catalogue renders; then, for information, the
    same with the fast settings (no intro, no announcement, 64 kbps), whose jobs-2 workspace the
    scale scenario grows. Each also prints the ceiling the jobs-1 run's own parallelism leaves."""
    heading(f"Issue 9: first render of {count} short essays, jobs 2 vs jobs 1")
    print("  default config: the repository's audioessay.toml (intro music, announcement, 96 kbps)", flush=True)
    default = _short_pair(tmp, count, None, "default")
    shutil.rmtree(default.workspace, ignore_errors=True)
    print("  fast config: [audio] intro = \"\", announce = \"\", bitrate = 64", flush=True)
    fast = _short_pair(tmp, count, FAST_AUDIO, "fast")
    rep.raw["parallel_short"] = {"count": count, "jobs1": default.seconds[1], "jobs2": default.seconds[2],
                                 "cores1": default.cores[1], "cores2": default.cores[2],
                                 "fast_jobs1": fast.seconds[1], "fast_jobs2": fast.seconds[2],
                                 "fast_cores1": fast.cores[1], "fast_cores2": fast.cores[2]}
    t = default.seconds
    rep.add(Figure("9", "9", f"first render of {count} short essays, jobs 2 speed-up", default.ratio, "x", ">= 1.70x",
                   default.ratio >= 1.7, f"default config, means of 2 runs each: jobs 1 {t[1]:.2f} s, "
                                         f"jobs 2 {t[2]:.2f} s, {t[2] / count:.3f} s per episode at jobs 2"))
    rep.add(Figure("9c", "9", f"ceiling of figure 9 on {NCPU} cores (information)", default.ceiling, "x", "-", None,
                   f"jobs 1 kept {default.cores[1]:.2f} cores busy, jobs 2 {default.cores[2]:.2f}: with the same CPU "
                   f"work, jobs 2 could be at most {default.ceiling:.2f}x faster; measured {default.ratio / default.ceiling:.0%} of it"))
    rep.add(Figure("9f", "9", "the same with the fast config (information)", fast.ratio, "x", "-", None,
                   f"jobs 1 {fast.seconds[1]:.2f} s ({fast.cores[1]:.2f} cores busy), jobs 2 {fast.seconds[2]:.2f} s "
                   f"({fast.cores[2]:.2f} cores busy); ceiling {fast.ceiling:.2f}x"))
    return {"workspace": fast.workspace, "count": count, "per_episode": fast.seconds[2] / count, "config": "fast"}


def noop(ws: Path, label: str, repeats: int) -> tuple[float, list[float]]:
    runs = []
    for index in range(repeats):
        m, _bg = timed_cli(["render", "--jobs", "2", "--json"], ws, f"{label} #{index + 1}", memory=False)
        data = check_render(m, label)
        remade = [e["slug"] for e in data["episodes"] if e.get("remade") or e.get("synthesized")]
        if remade:
            raise RuntimeError(f"{label}: not a no-op, remade {remade[:5]}")
        runs.append(m.seconds)
    return min(runs), runs


def _scale_default_estimate(tmp: Path, target: int) -> float:
    """Can ``target`` episodes be rendered for real within ~3 minutes? Render 20, extrapolate."""
    probe = make_workspace(tmp / "probe-default")
    write_short_essays(probe / "seeds", 20)
    m, _bg = timed_cli(["render", "--jobs", "2", "--json"], probe, "render 20 (default config), jobs 2",
                       memory=False)
    check_render(m, "probe", expect=20)
    default_estimate = m.seconds / 20 * target
    print(f"  estimate for {target} with the default config: {default_estimate:.0f} s", flush=True)
    shutil.rmtree(probe, ignore_errors=True)
    return default_estimate


def _scale_base(tmp: Path, quick: bool, base: dict[str, Any] | None, target: int) -> dict[str, Any]:
    """The workspace to grow, how many episodes it already has and the time per episode."""
    default_estimate = None if quick else _scale_default_estimate(tmp, target)
    if default_estimate is not None and default_estimate <= 180:
        ws = make_workspace(tmp / "scale-default")  # fast enough with the default config: render all for real
        base = {"workspace": ws, "count": 0, "per_episode": default_estimate / target, "config": "default"}
    if base is None:  # --quick, or the short scenario did not run: measure the fast config on 20
        ws = make_workspace(tmp / "scale", FAST_AUDIO)
        write_short_essays(ws / "seeds", 20)
        m, _bg = timed_cli(["render", "--jobs", "2", "--json"], ws, "render 20 (fast config), jobs 2",
                           memory=False)
        check_render(m, "scale probe", expect=20)
        base = {"workspace": ws, "count": 20, "per_episode": m.seconds / 20, "config": "fast"}
    return base


def _scale_points(ws: Path, have: int, per_episode: float, config: str, target: int, budget: float,
                  full_scale: bool) -> list[tuple[int, float]]:
    """No-op render times of the workspace as it is and after growing it (to ``target`` if time allows)."""
    estimate = per_episode * target
    points: list[tuple[int, float]] = []
    if have:
        t, _runs = noop(ws, f"no-op render of {have}", 3)
        points.append((have, t))
    if full_scale or estimate <= 180:
        goal = target
    else:
        goal = min(target, have + int(budget / per_episode))
        print(f"  too slow for the time budget: rendering {goal - have} more, to {goal} episodes "
              f"(--scale-budget {budget:.0f} s), then extrapolating", flush=True)
    if goal > have:
        write_short_essays(ws / "seeds", goal, start=have)
        m, _bg = timed_cli(["render", "--jobs", "2", "--json"], ws, f"render {goal - have} more ({config} config)",
                           memory=False)
        check_render(m, "scale render", expect=goal)
        t, _runs = noop(ws, f"no-op render of {goal}", 3)
        points.append((goal, t))
    return points


def _scale_figure(rep: Report, points: list[tuple[int, float]], target: int, estimate: float,
                  config: str, ws: Path) -> None:
    """Figure 7 from the measured points: measured at ``target``, or extrapolated linearly."""
    (n0, t0), (n1, t1) = points[0], points[-1]
    if n1 == target:
        value, how = t1, f"measured with {target} rendered episodes"
    else:
        # A no-op cannot get cheaper with more episodes: a negative slope is noise, counted as 0.
        slope = max(0.0, (t1 - t0) / (n1 - n0)) if n1 > n0 else 0.0
        value = t1 + slope * (target - n1)
        how = (f"EXTRAPOLATED linearly from {n0} episodes ({t0:.2f} s) and {n1} ({t1:.2f} s): "
               f"{slope * 1000:.2f} ms per episode; rendering {target} for real would take ~{estimate:.0f} s "
               "(use --full-scale)")
        rep.note(f"figure 7 is {how}")
    # No floor from figure 8: a no-op neither builds the feed (its inputs did not change) nor reads
    # the episode files the feed check already read (.audioessay/published.json, checked.json), so
    # what it still does per episode is in the measured slope.
    met, detail = value <= 2.0, (how if n1 == target else f"extrapolated from {n1} episodes")
    rep.raw["scale"] = {"points": points, "value": value, "estimate_s": estimate, "config": config}
    rep.add(Figure("7", "9", f"no-op render of a {target}-episode workspace", value, "s", "<= 2.00 s", met, detail))
    rep.raw["scale_workspace"] = str(ws)


def scenario_scale(rep: Report, tmp: Path, quick: bool, base: dict[str, Any] | None, budget: float,
                   full_scale: bool) -> None:
    target = 1000
    heading(f"Issue 9: a workspace of {target} short essays, no-op render")
    base = _scale_base(tmp, quick, base, target)
    ws, have, per_episode = base["workspace"], base["count"], base["per_episode"]
    config = base.get("config", "fast")
    estimate = per_episode * target
    print(f"  estimate for {target} with the {config} config, jobs 2: "
          f"{estimate:.0f} s ({per_episode:.3f} s per episode)", flush=True)
    points = _scale_points(ws, have, per_episode, config, target, budget, full_scale)
    _scale_figure(rep, points, target, estimate, config, ws)


def scenario_feed(rep: Report, tmp: Path) -> None:
    heading("Issue 9: writing a feed of 1,000 items (in-process)")
    from audioessay.models import Episode, Link
    from audioessay.publish.feed import build_feed, check_feed, write_feed
    from audioessay.workspace import load_workspace

    ws_root = make_workspace(tmp / "feed")
    ws = load_workspace(ws_root)
    from audioessay.pipeline.publish import ensure_cover

    cover = ensure_cover(ws)
    # One real small MP3 (and transcripts and chapters); every episode's files are hard links to it,
    # because the feed refuses two episodes with the same audio path.
    src = tmp / "feed-src"
    src.mkdir()
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=3", "-ac", "1", "-ar", "44100", "-b:a", "64k",
                    str(src / "a.mp3")], check=True)
    (src / "a.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nA tone.\n", encoding="utf-8")
    (src / "a.srt").write_text("1\n00:00:00,000 --> 00:00:03,000\nA tone.\n", encoding="utf-8")
    (src / "chapters.json").write_text(json.dumps({"version": "1.2.0", "chapters": [{"startTime": 0,
                                                                                    "title": "Tone"}]}))
    size = (src / "a.mp3").stat().st_size
    episodes = []
    start = dt.datetime(2020, 1, 1, 9, 0, tzinfo=dt.UTC)
    for i in range(1000):
        slug = f"episode-{i + 1:04d}"
        out = ws_root / "output" / slug
        out.mkdir(parents=True)
        for name, target in (("a.mp3", f"{slug}.mp3"), ("a.vtt", f"{slug}.vtt"), ("a.srt", f"{slug}.srt"),
                             ("chapters.json", "chapters.json")):
            try:
                os.link(src / name, out / target)
            except OSError:
                shutil.copy(src / name, out / target)
        episodes.append(Episode(
            slug=slug, title=f"Episode {i + 1}: notes on tides, bells & <small> things", source=Path(f"seeds/{slug}.md"),
            audio=Path(f"output/{slug}/{slug}.mp3"), audio_bytes=size, duration=3.0,
            description=f"Paragraph one of episode {i + 1}.\n\nParagraph two, with 3 < 4 and an ampersand &.",
            links=(Link(f"https://example.com/{i}", "A source"), Link("https://example.org/", "Another")),
            guid=f"urn:uuid:00000000-0000-4000-8000-{i:012d}", pub_date=start + dt.timedelta(days=i),
            number=i + 1, transcript_vtt=Path(f"output/{slug}/{slug}.vtt"),
            transcript_srt=Path(f"output/{slug}/{slug}.srt"), chapters=Path(f"output/{slug}/chapters.json"),
        ))
    cover_rel = ws.relative(cover)
    base = ws.config.show.base_url
    times = []
    for _ in range(3):
        if ws.feed_path.exists():
            ws.feed_path.unlink()
        t = time.perf_counter()
        write_feed(ws.feed_path, ws.config.show, episodes, base, cover_rel, ws_root)
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    data = build_feed(ws.config.show, episodes, base, cover_rel, ws_root)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    problems = check_feed(ws_root, ws.feed_path)
    check_s = time.perf_counter() - t
    print(f"  write_feed x3: {', '.join(f'{x:.3f}' for x in times)} s; build_feed alone {build_s:.3f} s; "
          f"feed {len(data) / 1024:.0f} KB; check_feed (run by every render) {check_s:.2f} s, "
          f"{len(problems)} problems", flush=True)
    if problems:
        print("    " + "\n    ".join(problems[:5]), flush=True)
    best = min(times)
    rep.raw["feed"] = {"write_feed": times, "build_feed": build_s, "check_feed": check_s}
    rep.add(Figure("8", "9", "write_feed with 1,000 items", best, "s", "<= 1.00 s", best <= 1.0,
                   f"check_feed on the same feed {check_s:.2f} s (info)"))


# --------------------------------------------------------------------------- hardening: sentences

SENTENCE_COUNT = 50_000
_SENTENCE_WORDS = ("Alpha", "Beta", "Gamma", "Delta", "River", "Stone", "Light", "Yes", "No way", "Go on")


def many_sentences(count: int) -> str:
    """An essay of ``count`` one-line sentences in one paragraph (about 7 bytes each)."""
    return "# Many sentences\n\n" + "".join(f"{_SENTENCE_WORDS[i % len(_SENTENCE_WORDS)]}.\n"
                                           for i in range(count))


def scenario_sentences(rep: Report, tmp: Path, repeats: int) -> None:
    heading(f"Hardening: 'audioessay script' on {SENTENCE_COUNT:,} one-line sentences")
    ws = make_workspace(tmp / "sentences")
    essay = ws / "seeds" / "many.md"
    essay.write_text(many_sentences(SENTENCE_COUNT), encoding="utf-8")
    times = []
    for attempt in range(repeats):
        shutil.rmtree(ws / "output", ignore_errors=True)
        shutil.rmtree(ws / ".audioessay", ignore_errors=True)
        m, _watch = timed_cli(["script", "--json"], ws, f"script, run {attempt + 1}", memory=False)
        if m.returncode != 0:
            raise RuntimeError(f"script failed (exit {m.returncode}): {m.stderr.strip()[-1500:]}")
        times.append(m.seconds)
    best = min(times)
    rep.raw["sentences"] = {"script": times, "bytes": essay.stat().st_size, "sentences": SENTENCE_COUNT}
    rep.add(Figure("10", "H", f"'audioessay script' on {SENTENCE_COUNT:,} one-line sentences", best, "s",
                   "< 5.00 s", best < 5.0,
                   f"{essay.stat().st_size / 1024:.0f} KB essay; 252 s before the splitter was made linear"))


# --------------------------------------------------------------------------- profiling


def profile_render(ws: Path, args: list[str], label: str, tmp: Path, prepare: Callable[[], None] | None = None,
                   top: int = 18) -> None:
    """Run ``python -m cProfile -m audioessay ARGS`` (main process only) and print the top functions."""
    import pstats

    if prepare:
        prepare()
    out = tmp / f"profile-{label}.prof"
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "audioessay", *args],
                          cwd=ws, capture_output=True, text=True, check=False)
    print(f"\n-- profile: {label} ({time.perf_counter() - t:.1f} s under cProfile, exit {proc.returncode}); "
          "main process only (workers and ffmpeg are not in it)", flush=True)
    if not out.exists():
        print(proc.stderr[-1000:])
        return
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(r"audioessay[/\\]", top)  # the project's own functions
    stats.sort_stats("tottime").print_stats(12)


def run_profiles(rep: Report, tmp: Path, mastering: dict[str, Any] | None) -> None:
    missed = {f.key for f in rep.figures if f.met is False}
    heading(f"Profiling the main process of missed render figures: {sorted(missed) or 'none'}")
    if missed & {"4", "5", "6"} and mastering:
        ws = make_workspace(tmp / "profile-long")
        shutil.copy(LONG_ESSAY, ws / "seeds" / LONG_ESSAY.name)
        profile_render(ws, ["render", "--jobs", "2", "--json"], "full-render", tmp)
        profile_render(ws, ["render", "--jobs", "2", "--json"], "edit-render", tmp,
                       prepare=lambda: edit_one_sentence(ws / "output" / "long-essay" / "script.txt"))
    scale_ws = rep.raw.get("scale_workspace")
    if "7" in missed and scale_ws:
        profile_render(Path(scale_ws), ["render", "--jobs", "2", "--json"], "noop-render", tmp)


# --------------------------------------------------------------------------- main


def summary(rep: Report, started: float) -> None:
    heading("Summary")
    rows = [("fig", "issue", "figure", "value", "target", "result")]
    for f in rep.figures:
        rows.append((f.key, f.issue, f.name, "n/a" if f.value is None else _fmt(f.value, f.unit), f.target,
                     "info" if f.met is None else ("met" if f.met else "MISSED")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths))
    missed = [f.key for f in rep.figures if f.met is False]
    targets = [f for f in rep.figures if f.met is not None]
    print(f"\n  {len(targets) - len(missed)} of {len(targets)} targets met"
          + (f"; MISSED: {', '.join(missed)}" if missed else ""))
    for note in rep.notes:
        print(f"  note: {note}")
    print(f"  total bench time {time.perf_counter() - started:.0f} s on {NCPU} cores; "
          f"load average at the end {os.getloadavg()[0]:.2f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smaller run: fewer sentences, essays and repeats")
    parser.add_argument("--only", default="", help="comma-separated scenarios: narration,mastering,short,scale,feed,sentences")
    parser.add_argument("--repeats", type=int, help="repeats of the narration and long-render measurements "
                                                    "(default 2, 1 with --quick); the fastest run counts")
    parser.add_argument("--short", type=int, help="short essays for figure 9 (default 100, 20 with --quick)")
    parser.add_argument("--scale-budget", type=float,
                        help="seconds of extra rendering allowed to grow the figure-7 workspace "
                             "(default 60, 15 with --quick)")
    parser.add_argument("--full-scale", action="store_true",
                        help="render all 1,000 short essays for real for figure 7 (several minutes)")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="before each scenario, wait up to SECONDS for other processes to go quiet")
    parser.add_argument("--profile", action="store_true", help="cProfile the main process of missed render figures")
    parser.add_argument("--json", type=Path, help="also write every raw figure to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspaces")
    return parser.parse_args()


def missing_prerequisite() -> str | None:
    """Why the bench cannot run at all (the installed command or a system tool is missing), or None."""
    if not Path(AUDIOESSAY).exists():
        return f"bench: {AUDIOESSAY} is missing: run 'make bench' (it installs the package)"
    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            return f"bench: {tool} is not installed"
    return None


def announce(tmp: Path, quick: bool) -> None:
    """Print where the run happens and warn when other processes already keep the machine busy."""
    print(f"audioessay benchmarks ({'quick' if quick else 'full'}) in {tmp}; {NCPU} cores; "
          f"load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    with CpuWatch() as watch:
        time.sleep(1.0)
    if watch.background > 0.25:
        print(f"  WARNING: other processes use {watch.background:.1f} cores: ratios against in-run baselines are "
              "less reliable (see --wait-idle)", flush=True)


def main() -> int:
    args = parse_args()

    started = time.perf_counter()
    make_subreaper()
    repeats = args.repeats or (1 if args.quick else 2)
    short = args.short or (20 if args.quick else 100)
    only = {s.strip() for s in args.only.split(",") if s.strip()}

    def wanted(name: str) -> bool:
        return not only or name in only

    problem = missing_prerequisite()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="audioessay-bench-"))
    announce(tmp, args.quick)
    rep = Report()
    failures = []
    mastering = base = None

    def attempt(name: str, fn: Callable[[], Any]) -> Any:
        if not wanted(name):
            return None
        wait_for_quiet(args.wait_idle)
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 (a broken scenario is reported, the others still run)
            failures.append(f"{name}: {exc}")
            print(f"  !! scenario {name} could not run: {exc}", flush=True)
            return None

    try:
        attempt("narration", lambda: scenario_narration(rep, tmp, args.quick, repeats))
        mastering = attempt("mastering", lambda: scenario_mastering(rep, tmp, args.quick, repeats))
        base = attempt("short", lambda: scenario_parallel_short(rep, tmp, short))
        attempt("feed", lambda: scenario_feed(rep, tmp))
        attempt("sentences", lambda: scenario_sentences(rep, tmp, repeats))
        attempt("scale", lambda: scenario_scale(rep, tmp, args.quick, base,
                                                     args.scale_budget or (15.0 if args.quick else 60.0),
                                                     args.full_scale))
        if args.profile:
            attempt("profile", lambda: run_profiles(rep, tmp, mastering))
        summary(rep, started)
        for failure in failures:
            print(f"  SCENARIO FAILED: {failure}")
        if args.json:
            args.json.write_text(json.dumps({"figures": [f.__dict__ for f in rep.figures], "notes": rep.notes,
                                             "raw": rep.raw, "failures": failures}, indent=2, default=str))
    finally:
        if args.keep:
            print(f"  workspaces kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 2 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
