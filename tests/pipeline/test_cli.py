"""The command line: exit codes, messages, JSON, the review workflow and the docs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, make_workspace, run_cli

from audioessay import __version__
from audioessay.cli import cli


@pytest.fixture
def in_workspace(workspace: Path) -> Path:
    old = Path.cwd()
    os.chdir(workspace)
    yield workspace
    os.chdir(old)


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def all_commands() -> list[str]:
    names = []
    for name, command in cli.commands.items():
        names.append(name)
        for sub in getattr(command, "commands", {}):
            names.append(f"{name} {sub}")
    return names


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("command", all_commands())
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = invoke(*command.split(), "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"audioessay {command}" in readme, f"README does not document 'audioessay {command}'"


def test_every_config_key_is_in_the_readme() -> None:
    import dataclasses

    from audioessay.workspace import Config

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for section in dataclasses.fields(Config):
        assert f"[{section.name}]" in readme
        if dataclasses.is_dataclass(section.default_factory()):  # type: ignore[misc]
            for key in dataclasses.fields(section.default_factory()):  # type: ignore[misc]
                assert re.search(rf"^    {key.name} = ", readme, re.M), f"{section.name}.{key.name} missing"


def test_script_json_reports_each_essay_and_status(in_workspace: Path) -> None:
    result = invoke("script", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["errors"] == [] and report["feed"] is None
    assert {e["slug"] for e in report["episodes"]} == {"notes-on-walking", "her-ending-explained-emotionally"}
    for episode in report["episodes"]:
        assert episode["status"] == "draft"
        assert isinstance(episode["attention"], int)
        assert (in_workspace / episode["script"]).is_file()


@pytest.mark.parametrize("given, expected", [
    (["notes-on-walking"], ["notes-on-walking"]),  # a slug, as review and preview take
    (["seeds/notes-on-walking.txt"], ["notes-on-walking"]),  # a file
    (["notes-on-walking", "her-ending-explained-emotionally"], ["notes-on-walking", "her-ending-explained-emotionally"]),
    (["output/notes-on-walking/script.txt"], ["notes-on-walking"]),  # the script stands for its essay
])
def test_script_takes_slugs_files_and_scripts(in_workspace: Path, given: list[str], expected: list[str]) -> None:
    invoke("script")  # the scripts exist for the last case
    result = invoke("script", "--json", *given)
    assert result.exit_code == 0, result.output
    assert [e["slug"] for e in json.loads(result.output)["episodes"]] == expected


def test_an_unknown_slug_is_one_line_naming_it(in_workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["script", "--json", "no-such-essay"], catch_exceptions=False)
    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)["errors"]
    assert error["source"] == "no-such-essay" and "no essay has that slug" in error["message"]


def test_bad_essay_fails_alone_with_exit_1(in_workspace: Path) -> None:
    (in_workspace / "seeds" / "empty.md").write_text("   \n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["script", "--json"], catch_exceptions=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert len(report["episodes"]) == 2
    assert report["errors"][0]["source"] == "seeds/empty.md"
    assert "empty" in report["errors"][0]["message"]


def test_review_shows_decisions_and_approve_records_approval(in_workspace: Path) -> None:
    invoke("script")
    result = invoke("review", "notes-on-walking")
    assert result.exit_code == 0
    assert "'5 km' -> 'five kilometres'" in result.output
    assert invoke("review", "notes-on-walking", "--approve").exit_code == 0
    report = json.loads(invoke("script", "--json").output)
    statuses = {e["slug"]: e["status"] for e in report["episodes"]}
    assert statuses["notes-on-walking"] == "approved"


def test_edited_script_is_never_overwritten_and_force_keeps_a_backup(in_workspace: Path) -> None:
    invoke("script")
    script = in_workspace / "output" / "notes-on-walking" / "script.txt"
    edited = script.read_text(encoding="utf-8").replace("five kilometres", "five clicks")
    script.write_text(edited, encoding="utf-8")
    essay = in_workspace / "seeds" / "notes-on-walking.txt"
    essay.write_text(essay.read_text(encoding="utf-8") + "\nA new last line.\n", encoding="utf-8")
    result = invoke("script", "--json")
    assert script.read_text(encoding="utf-8") == edited
    episode = next(e for e in json.loads(result.output)["episodes"] if e["slug"] == "notes-on-walking")
    assert any("--force" in note for note in episode["notes"])
    assert invoke("script", "--force", str(essay)).exit_code == 0
    assert "five clicks" not in script.read_text(encoding="utf-8")
    backups = list(script.parent.glob("script.txt.bak*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == edited


def test_unknown_slug_and_missing_workspace_are_one_line_errors(tmp_path: Path, workspace: Path) -> None:
    result = run_cli(["review", "nope"], cwd=workspace)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no essay with slug 'nope'") and "Traceback" not in result.stderr
    result = run_cli(["render"], cwd=tmp_path)
    assert result.returncode == 1 and "audioessay init" in result.stderr and "Traceback" not in result.stderr


def test_config_typo_is_a_one_line_error_naming_key_and_file(workspace: Path) -> None:
    config = workspace / "audioessay.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[voice]\n", "[voice]\nrat = 3\n"), encoding="utf-8")
    result = run_cli(["script"], cwd=workspace)
    assert result.returncode == 1
    assert "unknown key 'voice.rat'" in result.stderr and "audioessay.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2(workspace: Path) -> None:
    assert run_cli(["render", "--jobs", "0"], cwd=workspace).returncode == 2
    assert run_cli(["no-such-command"], cwd=workspace).returncode == 2


def test_voices_lists_both_engines() -> None:
    result = invoke("voices")
    assert result.exit_code == 0
    assert re.search(r"^pyttsx3: available, \d+ voices", result.output, re.M)
    assert re.search(r"^espeak-ng: available, \d+ voices", result.output, re.M)


def test_doctor_passes_here_and_names_install_commands_when_tools_are_missing(workspace: Path, tmp_path: Path) -> None:
    ok = run_cli(["doctor"], cwd=workspace)
    assert ok.returncode == 0, ok.stdout
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    missing = run_cli(["doctor"], cwd=workspace, env={"PATH": str(empty_path)})
    assert missing.returncode == 1
    assert "[MISSING] ffmpeg" in missing.stdout and "sudo apt-get install -y ffmpeg" in missing.stdout
    assert "brew install espeak-ng" in missing.stdout and "dnf install" in missing.stdout
    _ = make_workspace


def test_review_of_a_stale_script_shows_what_changed_in_the_essay(in_workspace: Path) -> None:
    invoke("script")
    script = in_workspace / "output" / "notes-on-walking" / "script.txt"
    script.write_text(script.read_text(encoding="utf-8").replace("street", "lane", 1), encoding="utf-8")
    invoke("script")  # the edit is kept, with a copy of the essay it was written from
    essay = in_workspace / "seeds" / "notes-on-walking.txt"
    essay.write_text(essay.read_text(encoding="utf-8").replace("street", "avenue", 1), encoding="utf-8")
    report = json.loads(invoke("script", "--json").output)
    episode = next(e for e in report["episodes"] if e["slug"] == "notes-on-walking")
    assert episode["stale"] is True and episode["status"] == "edited"
    assert "[edited, stale" in invoke("script").output
    result = invoke("review", "notes-on-walking")
    assert result.exit_code == 0
    assert "--- seeds/notes-on-walking.txt (when the script was written)" in result.output
    assert re.search(r"^-.*street", result.output, re.MULTILINE)
    assert re.search(r"^\+.*avenue", result.output, re.MULTILINE)
    approved = invoke("review", "notes-on-walking", "--approve")
    assert "no longer stale" in approved.output
    episode = next(e for e in json.loads(invoke("script", "--json").output)["episodes"]
                   if e["slug"] == "notes-on-walking")
    assert episode["stale"] is False and episode["status"] == "approved" and episode["notes"] == []


def test_an_approved_script_is_quiet_and_an_edited_one_suggests_approving(in_workspace: Path) -> None:
    invoke("script")
    script = in_workspace / "output" / "notes-on-walking" / "script.txt"
    script.write_text(script.read_text(encoding="utf-8").replace("street", "lane", 1), encoding="utf-8")
    for _ in range(2):
        output = invoke("script").output
        assert output.count("note:") == 1 and "review notes-on-walking --approve" in output
        assert "--force" not in output
    invoke("review", "notes-on-walking", "--approve")
    for _ in range(2):
        assert "note:" not in invoke("script").output
    script.write_text(script.read_text(encoding="utf-8").replace("lane", "path", 1), encoding="utf-8")
    invoke("script")
    assert "status: edited\n" in script.read_text(encoding="utf-8")
    assert "path" in script.read_text(encoding="utf-8")


def test_render_summary_counts_stale_scripts() -> None:
    from audioessay.cli import _print_summary
    from audioessay.pipeline.report import BuildReport, EpisodeResult

    report = BuildReport(episodes=[
        EpisodeResult(source=f"seeds/{n}.md", slug=n, title=n, script=f"output/{n}/script.txt", stale=n != "c")
        for n in ("a", "b", "c")])
    assert report.summary()["scripts_stale"] == 2 and report.summary()["stale_slugs"] == ["a", "b"]
    runner = CliRunner()
    with runner.isolation() as (out, _err, *_rest):
        _print_summary(report)
    line = out.getvalue().decode()
    assert "2 scripts stale: the essay changed since they were written; see 'audioessay review SLUG'" in line


@pytest.mark.parametrize("target", ["/proc/no-such-folder/show", "x" * 300])
def test_init_where_a_workspace_cannot_be_made_is_one_line(tmp_path: Path, target: str) -> None:
    result = run_cli(["init", target], cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "cannot create the workspace" in line


def test_a_long_announcement_is_refused_at_load(workspace: Path) -> None:
    config = workspace / "audioessay.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[audio]\n", '[audio]\nannounce = "' + "Hi. " * 5000
                                                                 + '"\n', 1), encoding="utf-8")
    result = run_cli(["script"], cwd=workspace)
    assert result.returncode == 1 and "'audio.announce' is 20,000 characters long" in result.stderr
