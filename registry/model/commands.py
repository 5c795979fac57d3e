"""`registry model train` and `registry model evaluate`: the capability model's own commands.

Why a sub-app in its own module: registry/cli.py stays a thin shell (one line registers this), and the
commands call the same functions the build and the tests use (train.py, evaluate.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

model_app = typer.Typer(help="The capability model: retrain it and measure it on held-out labels.",
                        no_args_is_help=True)
console = Console(stderr=True)


def _data_dir() -> Path:
    """The repository's data/ (where the build reads curated files and the model)."""
    return Path(__file__).resolve().parents[2] / "data"


LabelsOpt = Annotated[Path | None, typer.Option("--labels", help="Labelled corpus directory (default: data/labels)")]


@model_app.command("train")
def train_cmd(
    labels_dir: LabelsOpt = None,
    db: Annotated[Path | None, typer.Option("--db", help="Also learn from annotated awards of this registry")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the model here (default: data/model)")] = None,
    errors_csv: Annotated[Path | None, typer.Option("--errors-csv", help="Write train errors (text model out of "
                                                    "fold) to this CSV")] = None,
) -> None:
    """Retrain the text model and the combiner on the train split and annotations (held-out never read)."""
    from registry.model import train
    from registry.model.curated import CuratedDataError

    data = _data_dir()
    try:
        summary = train.train(data, labels_dir or data / "labels", out, db,
                              log=lambda m: console.print(m, highlight=False), errors_csv=errors_csv)
    except CuratedDataError as e:
        console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"trained on {summary['train_awards']:,} labelled awards "
                  f"(+{summary['annotation_awards']} from annotations)", highlight=False)


@model_app.command("evaluate")
def evaluate_cmd(
    labels_dir: LabelsOpt = None,
    split: Annotated[str, typer.Option("--split", help="heldout (the honest figure) or train")] = "heldout",
    show_errors: Annotated[bool, typer.Option("--errors", help="List errors (train split only)")] = False,
    docs: Annotated[Path | None, typer.Option("--docs", help="Also write the figures into this Markdown file's "
                                              "<!-- figures:... --> blocks (docs/model.md)")] = None,
) -> None:
    """Precision and recall (count and dollars, 95% intervals) of the build's classifier on labelled awards."""
    from registry.model import classify, evaluate, labels
    from registry.model.curated import CuratedDataError

    data = _data_dir()
    try:
        k = classify.load_knowledge(data)
        corpus = labels.load(labels_dir or data / "labels", set(k.capability_ids))
    except CuratedDataError as e:
        console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    part = corpus[corpus["split"] == split].reset_index(drop=True)
    decisions = evaluate.classify_corpus(data, part)
    overall, per = evaluate.measure(part, decisions, k.capability_ids)
    print(f"{split}: {len(part):,} labelled awards, {int(part['gold_purpose'].map(bool).sum()):,} with a purpose "
          f"capability; predicted = tagged purpose tags")
    print(evaluate.markdown_table(overall, per))
    if docs is not None and split == "heldout":
        from registry.model import classify as _c
        from registry.model.scoring import Combiner

        cb = Combiner.load(data / _c.MODEL_DIR / _c.COMBINER_FILE)
        counts = cb.trained_on.get("label_counts", {})
        blocks = {
            "heldout": evaluate.markdown_table(overall, per),
            "train": cb.trained_on.get("train_table_oof", ""),
            "thresholds": f"- T_tag = **{cb.t_tag}**, T_possible = **{cb.t_possible}**",
            "labels": "\n".join([f"- {k}: {v:,} awards" for k, v in sorted(counts.items())]
                                 + [f"- total: {sum(counts.values()):,} labelled awards "
                                    f"({cb.trained_on.get('train_awards', 0):,} train, {len(part):,} held out)"]),
        }
        write_blocks(docs, blocks)
    if show_errors:
        if split != "train":
            console.print("errors are listed for the train split only (tune on train, report held-out)")
        else:
            print(evaluate.errors(part, decisions).to_string())


def write_blocks(path: Path, blocks: dict[str, str]) -> None:
    """Replace the text between <!-- figures:NAME --> and <!-- /figures:NAME --> with the measured figures."""
    import re

    text = path.read_text(encoding="utf-8")
    for name, body in blocks.items():
        pat = re.compile(rf"(<!-- figures:{name} -->\n).*?(<!-- /figures:{name} -->)", re.S)
        if not pat.search(text):
            raise typer.BadParameter(f"{path}: no <!-- figures:{name} --> block")
        text = pat.sub(lambda m, b=body: m.group(1) + (b + "\n" if b else "") + m.group(2), text)
    path.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add `registry model ...` to the main CLI."""
    app.add_typer(model_app, name="model")
