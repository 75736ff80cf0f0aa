"""``audioessay verify``: the installed command on a rendered workspace."""

from __future__ import annotations

import json
import sys
import wave
from pathlib import Path

import pytest
from conftest import REPO, make_workspace, run_cli, working_install

from audioessay.cli import main
from audioessay.verify import recognizer

NO_ANNOUNCEMENT = (REPO / "audioessay.toml").read_text(encoding="utf-8").replace("[audio]\n", '[audio]\nannounce = ""\n')


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("cli") / "ws", ["notes-on-walking.txt"], config=NO_ANNOUNCEMENT)
    run_cli(["render", "--jobs", "1"], ws, check=True)
    return ws


def test_verify_passes_good_takes_then_flags_a_silent_one(rendered: Path) -> None:
    result = run_cli(["verify", "--model", "tiny.en", "--json"], rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    [episode] = report["episodes"]
    assert report["flagged"] == 0 and episode["slug"] == "notes-on-walking" and episode["model"] == "tiny.en"
    assert episode["takes"] == 8 and episode["missing"] == [] and 0 <= episode["wer"] < 0.3
    lines = [v["where"] for v in episode["verdicts"]]
    assert lines[0] == "line 11" and all(where.startswith("line ") for where in lines)

    script = (rendered / episode["script"]).read_text(encoding="utf-8").splitlines()
    target = episode["verdicts"][2]
    assert script[int(target["where"].split()[1]) - 1] == target["text"]
    take = next((rendered / ".audioessay" / "cache" / "takes").glob(f"*/{target['key']}.wav"))
    with wave.open(str(take), "rb") as handle:
        params = handle.getparams()
    with wave.open(str(take), "wb") as handle:  # the take's audio replaced by silence
        handle.setparams(params)
        handle.writeframes(b"\0" * params.nframes * params.sampwidth)

    result = run_cli(["verify", "--model", "tiny.en"], rendered)
    assert result.returncode == 1
    flagged = [line for line in result.stdout.splitlines() if "nothing was heard" in line]
    assert flagged == [f"notes-on-walking {target['where']}: nothing was heard (silence or noise): "
                       f"said {target['text']!r}, heard ''"]
    assert result.stdout.splitlines()[-1].startswith("notes-on-walking: 8 takes heard, 1 flagged, WER ")


def test_a_second_run_hears_nothing_again(rendered: Path) -> None:
    run_cli(["verify", "notes-on-walking", "--model", "tiny.en"], rendered)
    # faster-whisper is imported only to hear a take: a run with everything cached never loads it.
    probe = ("import sys\nfrom audioessay.cli import main\nsys.argv = ['audioessay', 'verify', '--model', 'tiny.en']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\nprint('faster_whisper' in sys.modules, file=sys.stderr)")
    import subprocess

    result = subprocess.run([sys.executable, "-c", probe], cwd=rendered, capture_output=True, text=True, timeout=600,
                            check=False, stdin=subprocess.DEVNULL)
    assert result.stderr.strip().splitlines()[-1] == "False", result.stderr


def test_an_unknown_slug_is_one_error(rendered: Path) -> None:
    result = run_cli(["verify", "no-such-essay"], rendered)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no essay with slug 'no-such-essay' (known slugs: notes-on-walking)")


def _run_main(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["audioessay", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return int(exit_info.value.code or 0)


def test_without_the_extra_it_says_the_install_command(rendered: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(recognizer, "extra_missing", lambda: "faster-whisper is not installed")
    assert _run_main(["verify"], rendered, monkeypatch) == 1
    err = capsys.readouterr().err
    assert err == (f"error: verify needs the recognizer: faster-whisper is not installed "
                   f"(install it with: {working_install('verify')})\n")


def test_a_model_that_fails_its_hash_is_refused(rendered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from audioessay.verify import models

    fake = tmp_path / "model"
    fake.mkdir()
    for name in models.MODEL_FILES:
        (fake / name).write_bytes(b"tampered")
    monkeypatch.setattr(models, "_source", lambda spec, index: fake if spec is models.TINY_EN else None)
    assert _run_main(["verify", "--model", "tiny.en"], rendered, monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sha256" in err and "refusing to load it" in err


def test_each_take_carries_its_written_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A take whose script line respells words for the voice ([pronunciations] Joaquin = "Wah keen")
    is judged against the writer's words too: hearing "Joaquin" is right."""
    from audioessay.pipeline import verify as pipeline_verify
    from audioessay.workspace import load_workspace

    ws = make_workspace(tmp_path / "ws", ["her-ending-explained-emotionally.txt"])
    run_cli(["script"], ws, check=True)
    written: dict[str, str | None] = {}
    paired = pipeline_verify._paired

    def remember(requests, wheres, shown, audio_of):  # type: ignore[no-untyped-def]
        written.update({request.text: form for request, form in zip(requests, shown, strict=True)})
        return paired(requests, wheres, shown, audio_of)

    monkeypatch.setattr(pipeline_verify, "_paired", remember)
    [episode] = pipeline_verify.takes_to_verify(load_workspace(ws), [])
    assert episode.takes == () and episode.missing  # nothing narrated yet
    [line] = [text for text in written if "Wah keen" in text]
    assert "Joaquin Phoenix" in (written[line] or "") and "Wah keen" not in (written[line] or "")
    [year] = [text for text in written if text.startswith("Her is a")]
    assert "2013" in (written[year] or "")  # numbers are shown as written (and judged as said)
