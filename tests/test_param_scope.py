"""``--param TRACKER.name=value`` reaches that tracker only; plain ``name=value`` every tracker that has it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from trackbench.harness.cli.app import app
from trackbench.harness.runs.runner import make_variants
from trackbench.trackers.params import ParamError


def _params(variants, name: str) -> dict[str, str]:
    return dict(next(v for v in variants if v.tracker == name).overrides)


def test_scoped_value_reaches_only_its_tracker() -> None:
    variants = make_variants(["deepsort", "rolo"], {"deepsort.embedder": "histogram"})
    assert _params(variants, "deepsort") == {"embedder": "histogram"}
    assert _params(variants, "rolo") == {}
    with pytest.raises(ParamError):  # unscoped, the same value also reaches ROLO, which refuses it
        make_variants(["deepsort", "rolo"], {"embedder": "histogram"})


def test_scoped_value_wins_over_the_plain_one_for_its_tracker() -> None:
    variants = make_variants(["sort", "ocsort"], {"max_age": "10", "sort.max_age": "3"})
    assert _params(variants, "sort") == {"max_age": "3"}
    assert _params(variants, "ocsort") == {"max_age": "10"}


@pytest.mark.parametrize("params, says", [
    ({"bytetrack.max_age": "3"}, "'bytetrack' is not among the selected trackers"),
    ({"sort.lambda": "0.5"}, "sort has no parameter(s): lambda"),
])
def test_scopes_that_name_nothing_are_errors(params: dict[str, str], says: str) -> None:
    with pytest.raises(ParamError) as err:
        make_variants(["sort", "deepsort"], params)
    assert says in str(err.value)


def test_cli_run_with_a_scoped_param(tmp_path) -> None:
    out = CliRunner().invoke(app, ["run", "-t", "sort,ocsort", "-s", "synth-01", "--max-frames", "30",
                                   "-p", "sort.max_age=2", "--results", str(tmp_path), "--name", "scoped"])
    assert out.exit_code == 0, out.output
    manifest = json.loads((tmp_path / "scoped" / "manifest.json").read_text())
    overrides = {v["tracker"]: v["overrides"] for v in manifest["variants"]}
    assert overrides == {"sort": {"max_age": "2"}, "ocsort": {}}
