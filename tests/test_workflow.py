"""The scheduled refresh workflow only runs commands and options the `registry` CLI really has."""

from __future__ import annotations

import re
import shlex

import yaml
from typer.testing import CliRunner

from registry.cli import app
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "refresh.yml"


def registry_calls() -> list[list[str]]:
    data = yaml.safe_load(WORKFLOW.read_text())
    calls = []
    for step in data["jobs"]["refresh"]["steps"]:
        for line in re.split(r"\n|;|\bthen\b|\belse\b|\bfi\b", step.get("run", "")):
            words = shlex.split(line.replace("${{", "").replace("}}", ""))
            if ".venv/bin/registry" in words:
                calls.append(words[words.index(".venv/bin/registry") + 1:])
    return calls


def test_the_workflow_is_scheduled_and_publishes_snapshot_and_feeds():
    data = yaml.safe_load(WORKFLOW.read_text())
    assert data[True]["schedule"][0]["cron"]  # YAML reads the key `on` as True
    calls = registry_calls()
    assert ["crawl", "usaspending", "--since-last"] in calls
    assert any(c[:2] == ["export", "--snapshot"] for c in calls)
    assert any(c[0] == "feeds" for c in calls)


def test_every_command_and_option_in_the_workflow_exists():
    runner = CliRunner()
    for call in registry_calls():
        words = [w for w in call if not w.startswith("-")]
        path = []
        for w in words:  # the sub-command path: words the CLI's help lists as commands
            result = runner.invoke(app, [*path, w, "--help"])
            if result.exit_code != 0:
                break
            path.append(w)
        help_text = runner.invoke(app, [*path, "--help"]).output
        assert path, f"unknown command in the workflow: registry {' '.join(call)}"
        for option in (w for w in call if w.startswith("--")):
            assert option in help_text, f"registry {' '.join(path)} has no option {option}"
