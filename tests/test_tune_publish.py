"""`bench publish` on a tune run, and `bench tune --prune`.

Tunes run on the built-in synthetic set cut to its first frames with a few
trials each, so the file stays well under a minute on a loaded machine.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("optuna")

from trackbench.harness.cli import app  # noqa: E402
from trackbench.harness.tune import report as tune_report  # noqa: E402
from trackbench.harness.tune import study as studies  # noqa: E402
from trackbench.harness.tune.report import MIN_IMPORTANCE_TRIALS, best_so_far, history_chart, importances  # noqa: E402
from trackbench.harness.tune.units import UnitContext, score_progressively, score_setting  # noqa: E402

runner = CliRunner()
QUICK = ["--max-frames", "60", "--replicates", "100"]
PNG = b"\x89PNG\r\n\x1a\n"


def _tune(tmp_path: Path, name: str, *args: str) -> Path:
    out = runner.invoke(app, ["tune", "--results", str(tmp_path), "--name", name, *QUICK, *args])
    assert out.exit_code == 0, out.output
    return tmp_path / name


def _publish(run: Path) -> str:
    out = runner.invoke(app, ["publish", str(run)])
    assert out.exit_code == 0, out.output
    return (run / "report.md").read_text()


@pytest.fixture(scope="module")
def loso(tmp_path_factory) -> Path:
    """A leave-one-sequence-out tune of sort with enough trials for importances."""
    return _tune(tmp_path_factory.mktemp("tunepub"), "loso", "-t", "sort", "--trials", str(MIN_IMPORTANCE_TRIALS),
                 "--seed", "1")


def test_publish_shows_heldout_folds_and_history(loso: Path) -> None:
    md = _publish(loso)
    assert "## Tuning (loso)" in md
    heldout = pd.read_csv(loso / "heldout.csv")
    hota = heldout[heldout["metric"] == "HOTA"].iloc[0]
    assert f"| {hota['default']:.1f} | {hota['tuned']:.1f} |" in md  # the table's own numbers
    assert "Held out: default vs tuned" in md
    folds = pd.read_csv(loso / "folds.csv")
    assert "Chosen setting per fold" in md and all(f"| sort | {f} |" in md for f in folds["fold"])
    png = (loso / "tune-history-loso.png").read_bytes()
    assert png.startswith(PNG) and "tune-history-loso.png" in md
    html = (loso / "report.html").read_text()
    assert base64.b64encode(png).decode()[:200] in html  # embedded, self-contained


def test_publish_shows_importances_of_every_tuned_parameter(loso: Path) -> None:
    md = _publish(loso)
    assert "## Parameter importances (loso)" in md
    found, why = importances(loso / "study.db", "sort/all")
    assert why == "" and found is not None
    assert set(found) == set(json.loads((loso / "manifest.json").read_text())["spaces"]["sort"])
    assert sum(found.values()) == pytest.approx(1.0)
    for name, value in found.items():
        assert f"| sort | {name.replace('_', chr(92) + '_')} | {100 * value:.1f} |" in md
    assert (loso / "tune-importance-loso.png").read_bytes().startswith(PNG)
    again, _ = importances(loso / "study.db", "sort/all")
    assert again == found  # deterministic: the same report twice


def test_importances_are_guarded_for_small_studies(tmp_path: Path) -> None:
    run = _tune(tmp_path, "small", "-t", "sort", "--trials", "3", "--cv", "none")
    md = _publish(run)
    assert f"sort: not computed (3 completed trials (importances need at least {MIN_IMPORTANCE_TRIALS}))" in md
    assert importances(tmp_path / "nowhere.db", "sort/all") == (None, "no study.db")
    assert importances(run / "study.db", "ocsort/all")[0] is None


def test_publish_shows_the_pareto_front_of_a_multi_objective_tune(tmp_path: Path) -> None:
    run = _tune(tmp_path, "front", "-t", "sort", "--trials", "5", "--cv", "none", "--objective", "HOTA,IDsw")
    md = _publish(run)
    assert "## Pareto fronts (front)" in md and "sort: Pareto front on all sequences (HOTA, IDsw)" in md
    front = pd.read_csv(run / "pareto" / "sort.all.csv")
    for trial in front["trial"]:
        assert f"\n| {trial} | " in md
    assert (run / "tune-pareto-sort-front.png").read_bytes().startswith(PNG)


def test_chart_labels_with_dollars_are_literal_text() -> None:
    trials = pd.DataFrame({"tracker": ["a$\\frac$b"] * 3, "fold": ["$\\alpha$-01"] * 3, "trial": [0, 1, 2],
                           "state": ["COMPLETE"] * 3, "default": [True, False, False], "HOTA": [50.0, 55.0, 52.0]})
    assert history_chart(trials, "HOTA").startswith(PNG)
    plt = tune_report._plt()
    fig, ax = plt.subplots()
    ax.set_title("a$\\frac$b")  # what the label would do with mathtext on: it cannot be drawn
    with pytest.raises(ValueError):
        fig.canvas.draw()
    plt.close(fig)
    assert matplotlib.rcParams["text.parse_math"] is True  # the chart left the global setting alone


def test_best_so_far_follows_the_direction_and_skips_gaps() -> None:
    assert list(best_so_far(pd.Series([3.0, 1.0, float("nan"), 4.0]).to_numpy(), True)) == [3, 3, 3, 4]
    assert list(best_so_far(pd.Series([3.0, 1.0, 2.0]).to_numpy(), False)) == [3, 1, 1]


# --------------------------------------------------------------------------- --prune


def test_progressive_scoring_pools_like_the_leaderboard_and_stops_on_request(tmp_path: Path) -> None:
    from trackbench.harness.cli.run import RunRequest, load

    sequences = load(RunRequest(dataset="synth", max_frames=40))
    ctx = UnitContext(tmp_path / "units", sequences[0].info.dataset, options={"max_frames": 40})
    whole, why = score_setting("sort", {}, sequences, ctx)
    steps: list[tuple[int, float]] = []
    same, why2, stopped = score_progressively("sort", {}, sequences, ctx,
                                              lambda k, m: steps.append((k, m["HOTA"])) is not None)
    assert why is None and why2 is None and stopped is None
    assert same["HOTA"] == pytest.approx(whole["HOTA"], abs=1e-9) and same["IDsw"] == whole["IDsw"]
    assert [k for k, _ in steps] == list(range(1, len(sequences)))  # asked after each sequence but the last
    first, _, stopped = score_progressively("sort", {}, sequences, ctx, lambda k, m: True)
    assert stopped == 1 and first["HOTA"] == pytest.approx(steps[0][1])


def test_prune_stops_bad_trials_and_counts_them_toward_the_budget(tmp_path: Path) -> None:
    args = ["-t", "bytetrack", "--trials", "12", "--cv", "none", "--seed", "0", "--max-frames", "80"]
    plain = _tune(tmp_path, "plain", *args)  # the last --max-frames counts: 80 frames, where seed 0 stops some
    pruned = _tune(tmp_path, "pruned", *args, "--prune")
    trials = pd.read_csv(pruned / "trials.csv")
    stopped = trials[trials["reason"].astype(str).str.startswith("stopped by the pruner")]
    assert len(stopped) >= 1 and (stopped["state"] == "PRUNED").all()
    assert stopped["HOTA"].isna().all() and stopped["HOTA when stopped"].notna().all()
    assert ((trials["state"] == "COMPLETE").sum() + len(stopped)) == 12
    assert (stopped["sequences run"] < 3).all()
    assert not stopped["default"].any() and studies.PRUNER_STARTUP <= stopped["trial"].min()
    first = pd.read_csv(plain / "trials.csv")
    assert trials.loc[0, "HOTA"] == pytest.approx(first.loc[0, "HOTA"], abs=1e-9)  # defaults score the same
    assert json.loads((pruned / "manifest.json").read_text())["prune"] is True


def test_prune_refuses_several_objectives(tmp_path: Path) -> None:
    out = runner.invoke(app, ["tune", "--results", str(tmp_path), "-t", "sort", "--prune", "--objective", "HOTA,Hz",
                              *QUICK])
    assert out.exit_code == 2
    assert "--prune works with one objective" in out.output
