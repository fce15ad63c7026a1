"""`bench publish` turns runs into an HTML page, LaTeX tables and Markdown that agree, with provenance."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from trackbench.harness.cli import app
from trackbench.harness.report.latex import standalone

runner = CliRunner()


@pytest.fixture(scope="module")
def two_tracker_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    ran = runner.invoke(app, ["run", "-t", "sort,rolo", "-s", "synth-01,synth-02", "--max-frames", "60",
                              "--results", str(root), "--name", "r"])
    assert ran.exit_code == 0, ran.output
    return root / "r"


def test_publish_a_run(tmp_path) -> None:
    ran = runner.invoke(app, ["run", "-t", "sort", "-s", "synth-01", "--max-frames", "60", "--results", str(tmp_path), "--name", "r"])
    assert ran.exit_code == 0, ran.output
    out = runner.invoke(app, ["publish", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    report = (tmp_path / "r" / "report.md").read_text()
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert "| sort |" in report and "synth-01" in report
    assert manifest["environment"]["packages"]["numpy"] in report
    assert "max\\_age=1" in report  # Markdown-escaped (trackbench/io/markdown_escape.py)
    assert "1 sequence:" in report and "1 sequences" not in report
    assert "## Per sequence" not in report  # one sequence: the leaderboard already is the per-sequence table
    assert (tmp_path / "r" / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_is_self_contained_with_best_marked(two_tracker_run) -> None:
    out = runner.invoke(app, ["publish", str(two_tracker_run)])
    assert out.exit_code == 0, out.output
    page = (two_tracker_run / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from a network
    assert "<link" not in page and "<script src" not in page
    assert page.count("data:image/png;base64,") >= 3  # bars, speed, heatmap (2 sequences)
    board = __import__("pandas").read_csv(two_tracker_run / "leaderboard.csv", index_col=0)
    best_hota = board["HOTA"].idxmax()
    first_table = page[page.index("<table"):page.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", first_table)[1:]
    assert best_hota in rows[0]  # ranked by HOTA
    assert 'class="best"' in rows[0].split("</td>")[1]  # its HOTA cell is marked best
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", first_table)
    assert headers[:4] == ["tracker", "HOTA", "MOTA", "IDF1"] and len(headers) <= 11  # headline columns, not 34


def test_latex_uses_booktabs_bold_best_and_parses(two_tracker_run, tmp_path) -> None:
    runner.invoke(app, ["publish", str(two_tracker_run), "--out", str(tmp_path)])
    tex = (tmp_path / "report.tex").read_text()
    assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex and "\\textbf{" in tex
    body = tex[tex.index("\\begin{tabular}"):tex.index("\\end{tabular}")]
    spec = re.search(r"\\begin\{tabular\}\{([lr]+)\}", body).group(1)
    rows = [r for r in body.split("\n") if r.endswith("\\\\")]
    assert rows and all(r.count("&") == len(spec) - 1 for r in rows)  # every row fills every column
    assert tex.count("{") == tex.count("}")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed: LaTeX checked structurally only (apt install texlive-latex-base texlive-latex-recommended)")
    (tmp_path / "doc.tex").write_text(standalone(tex))
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_sweep_report_marks_the_best_setting(tmp_path) -> None:
    ran = runner.invoke(app, ["sweep", "-t", "sort", "-p", "max_age=1,3,10", "-s", "synth-01", "--results", str(tmp_path), "--name", "s"])
    assert ran.exit_code == 0, ran.output
    out = runner.invoke(app, ["publish", str(tmp_path / "s")])
    assert out.exit_code == 0, out.output
    page = (tmp_path / "s" / "report.html").read_text()
    board = __import__("pandas").read_csv(tmp_path / "s" / "leaderboard.csv", index_col=0)
    best = board["HOTA"].max()
    marked = re.findall(r'<tr class="marked">(.*?)</tr>', page)
    assert marked and all(f">{best:.1f}<" in row for row in marked)
    assert "star marks the best HOTA" in page and "Best HOTA" in page


def test_several_runs_and_a_comparison_in_one_report(two_tracker_run, tmp_path) -> None:
    other = tmp_path / "runs"
    ran = runner.invoke(app, ["run", "-t", "sort", "-s", "synth-01,synth-02", "--max-frames", "60", "-p", "max_age=5",
                              "--results", str(other), "--name", "o"])
    assert ran.exit_code == 0, ran.output
    out = runner.invoke(app, ["publish", str(two_tracker_run), str(other / "o"), "--out", str(tmp_path / "rep"),
                              "--compare", "r/sort,o/sort", "--replicates", "100"])
    assert out.exit_code == 0, out.output
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "| r/sort |" in md and "| o/sort |" in md and "| r/rolo |" in md
    assert "r/sort − o/sort" in md and "paired bootstrap" in md
    tex = (tmp_path / "rep" / "report.tex").read_text()
    assert "r/sort -- o/sort" in tex


def test_publish_refuses_incomplete_or_foreign_folders(tmp_path) -> None:
    bad = runner.invoke(app, ["publish", str(tmp_path)])
    assert bad.exit_code == 2 and "manifest.json" in bad.output
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "running"}))
    bad = runner.invoke(app, ["publish", str(tmp_path)])
    assert bad.exit_code == 2 and "did not complete" in bad.output
