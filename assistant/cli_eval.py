"""``onemap eval run|compare|suites``: evaluation suites that evaluators run on their own data.

Imported by :mod:`assistant.cli` at its end, which registers the commands on its app.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from assistant.cli import State, app, err, fail, out
from assistant.settings import SettingsError, load_settings
from eval.journal import JOURNAL

eval_app = typer.Typer(help="Evaluation suites: run one on a dataset, compare two runs (docs/EVAL.md).",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")


def _default_out(settings, suite: str) -> Path:
    return settings.workspace / "eval" / f"{suite}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


@eval_app.command("suites")
def eval_suites() -> None:
    """List the suites and their default datasets."""
    from eval import suites

    table = Table("suite", "what", "model", "default dataset")
    for name in suites.NAMES:
        suite = suites.get(name)
        default = suite.default_dataset()
        table.add_row(name, suite.title, "yes" if suite.needs_model else "no",
                      str(default) + ("" if default is None or default.exists() else "  (missing)"))
    out.print(table)


@eval_app.command("run")
def eval_run(
    suite: Annotated[str, typer.Argument(help="retrieval, mcq, qa, extraction, verdicts or latency.",
                                         show_default=False)],
    dataset: Annotated[Path | None, typer.Option(help="A dataset in the suite's format (docs/EVAL.md); default: "
                                                 "the suite's own, see `onemap eval suites`.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Score a seeded sample of N items (same on every "
                                              "machine).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Run folder for results.json, predictions.jsonl "
                                                 "and report.md/.html (default workspace/eval/SUITE-TIME).")] = None,
    baseline: Annotated[bool, typer.Option("--baseline/--no-baseline", help="Also run the suite's baseline "
                                           "(BM25 alone; the model alone) on the same items.")] = True,
    seed: Annotated[int, typer.Option(help="Seed of the --limit sample.")] = 20261123,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out DIR: the answers "
                                         "it kept are reused if the data and settings are the same.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results.json.")] = False,
) -> None:
    """Run one evaluation suite and write its run folder.

    Malformed dataset lines are reported with their line numbers and counted; the run goes on.
    The run records the git commit, the model, the settings hash and the dataset hash. Examples:

      onemap eval run retrieval --limit 20

      onemap eval run mcq --dataset ../shared/eval/ceval_urban_and_rural_planner/urban_and_rural_planner_val.csv

      onemap eval run verdicts --out runs/verdicts

      onemap eval run mcq --dataset ../shared/eval/planner_exams_2012_2021.jsonl --out runs/exams --resume
    """
    from eval.runner import EvalInputError, run

    try:
        settings = load_settings(State.profile)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    if resume and out_dir is None:
        raise fail("--resume needs --out DIR, the folder of the interrupted run")
    folder = out_dir or _default_out(settings, suite)
    if folder.exists() and not folder.is_dir():
        raise fail(f"--out {folder} is a file, not a folder")
    if resume and not (folder / JOURNAL).is_file():
        err.print(f"{folder}: no interrupted run to resume (no {JOURNAL}); starting afresh", markup=False)
    holder: dict = {}

    def services():
        if "c" not in holder:
            from assistant.container import Container

            holder["c"] = Container(settings)
        return holder["c"]

    bar = Progress(TextColumn(f"eval {suite}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn(), console=err, transient=True)
    task = bar.add_task(suite, total=None)
    try:
        with bar:
            results = run(suite, out=folder, settings=settings, container=services, dataset=dataset, limit=limit,
                          seed=seed, options={"baseline": baseline}, resume=resume,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    except EvalInputError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        if (folder / JOURNAL).is_file():
            err.print(f"interrupted: the answers so far are kept in {folder / JOURNAL}; continue with the same "
                      f"command and --out {folder} --resume", markup=False, soft_wrap=True)
        raise typer.Exit(130) from None
    finally:
        if "c" in holder:
            holder["c"].close()
    for m in results.malformed["lines"]:
        err.print(f"malformed: {m['file']}:{m['line']}: {m['reason']}", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        out.print_json(json.dumps(results.model_dump(mode="json"), ensure_ascii=False))
        return
    _print_results(results, folder)


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def _print_results(results, folder: Path) -> None:
    table = Table("metric", "value", *results.baselines.keys(), title=f"{results.suite} · n = {results.n}")
    for name, value in results.metrics.items():
        table.add_row(name, _fmt(value), *(_fmt(b.get(name)) for b in results.baselines.values()))
    out.print(table)
    if results.malformed["count"]:
        out.print(f"{results.malformed['count']} malformed lines left out (listed in results.json)")
    for note in results.notes:
        out.print(note, markup=False, highlight=False)
    run = results.run
    out.print(f"commit {run.commit} · model {run.model or '–'} · settings {run.settings_hash} · "
              f"dataset {run.dataset_hash} · {run.seconds} s", style="dim")
    out.print(f"run folder: {folder} (results.json, predictions.jsonl, report.md, report.html)")


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="The earlier run folder (the reference).", show_default=False)],
    run_b: Annotated[Path, typer.Argument(help="The later run folder.", show_default=False)],
    tolerance: Annotated[float, typer.Option(min=0, help="A score falling by more than this is a regression.")] = 0.01,
    latency_tolerance: Annotated[float, typer.Option(min=0, help="A latency growing by more than this fraction is a "
                                                     "regression.")] = 0.10,
    fail_on_regression: Annotated[bool, typer.Option(help="Exit 1 when a regression is flagged.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Print the differences between two runs of a suite and flag regressions.

    Scores (accuracy, recall, F1, ...) regress when B is lower than A by more than --tolerance;
    latencies (*_ms) when B is slower by more than --latency-tolerance. Items that A got right and
    B wrong are listed as broken, the reverse as fixed. Example:

      onemap eval compare workspace/eval/mcq-old workspace/eval/mcq-new --fail-on-regression
    """
    from eval.compare import compare_runs, render
    from eval.contract import RunFolderError

    try:
        comparison = compare_runs(run_a, run_b, tolerance=tolerance, latency_tolerance=latency_tolerance)
    except RunFolderError as exc:
        raise fail(str(exc)) from None
    if as_json:
        out.print_json(json.dumps(comparison.model_dump(mode="json"), ensure_ascii=False))
    else:
        out.print(render(comparison), markup=False, highlight=False, soft_wrap=True)
    if fail_on_regression and comparison.regressions:
        raise typer.Exit(code=1)
