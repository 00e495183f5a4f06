"""``--help`` that guides and shell completion that helps.

:class:`GroupedCommand` is a plain :class:`click.Command` whose help lists its examples right
after the usage line and its options under the titles of :data:`HELP_GROUPS` (inputs, task
and scores, losses and their parameters, metrics, slices, uncertainty, outputs, gates,
performance), in that order. An option no group names is still listed, under "Other
options" (a test keeps that section to ``--help`` for the shipped commands).

The ``complete_*`` functions are the options' ``shell_complete`` callbacks (click's
completion: ``_LOSSCLI_COMPLETE=bash_source losscli``); the loss registry is imported only
when the shell asks for loss names. Click only; nothing heavy is imported for the help.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

OTHER_OPTIONS = "Other options"
"""The help section of an option no group of :data:`HELP_GROUPS` names (and ``--help``)."""

# the help texts of the metric options of issue #18 (options.py declares them)
TOP_K_HELP = (
    "Multi-class: also report top_k_accuracy for one K, or top_<K>_accuracy for each of "
    "several (--top-k 1,5); K at or above the class count gives 1 with a warning."
)
BETA_HELP = (
    "Also report F-beta (fbeta, fbeta_macro, fbeta_micro, fbeta_weighted, per-class fbeta; "
    "multi-label fbeta_samples): B > 1 weighs recall more."
)
MAX_FPR_HELP = (
    "Binary: also report roc_auc_partial, scikit-learn's standardised partial ROC AUC up to "
    "false positive rate F in (0, 1] (McClish)."
)
LABELS_HELP = (
    "Classes (names as in 'classes') of the per-class rows, in this order, and of the "
    "precision/recall/F/jaccard macro, micro and weighted averages (scikit-learn labels=)."
)


HELP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Inputs",
        (
            "label_col",
            "pred_cols",
            "id_col",
            "weight_col",
            "header",
            "labels_header",
            "input_format",
            "labels_format",
            "drop_invalid",
        ),
    ),
    ("Task and scores", ("task", "scores", "activation", "pos_label", "labels_are", "class_axis")),
    ("Losses and their parameters", ("losses", "param_*")),
    (
        "Metrics",
        (
            "threshold",
            "top_k",
            "beta",
            "max_fpr",
            "class_labels",
            "zero_division",
            "ece_bins",
            "optimize",
            "no_background",
        ),
    ),
    ("Slices", ("group_by", "min_group_size")),
    ("Uncertainty", ("bootstrap", "ci_level", "seed", "n_permutations")),
    (
        "Outputs",
        (
            "fmt",
            "output",
            "per_sample",
            "plot_dir",
            "steps",
            "write_path",
            "all_classes",
            "color",
            "quiet",
        ),
    ),
    ("Gates", ("gates", "fail_if_worse", "strict")),
    ("Performance", ("chunk_size", "auc_bins", "engine", "scheduler", "workers")),
)
"""The sections of a command's ``--help`` (:class:`losscli.cli.help.GroupedCommand`), in
order: each title with the Python names of its options (``param_*``: every loss parameter of
:data:`losscli.losses.PARAMS`). A new option goes into one of them."""


def help_group(name: str) -> str:
    """The ``--help`` section of the option whose Python name is ``name``.

    >>> help_group("pred_cols"), help_group("param_focal_gamma"), help_group("help")
    ('Inputs', 'Losses and their parameters', 'Other options')
    """
    for title, names in HELP_GROUPS:
        if name in names or ("param_*" in names and name.startswith("param_")):
            return title
    return OTHER_OPTIONS


def complete_file(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of a file name: the shell lists the files (and folders) itself.

    >>> [(c.value, c.type) for c in complete_file(None, None, "sample_data/di")]
    [('sample_data/di', 'file')]
    """
    from click.shell_completion import CompletionItem  # only when the shell asks

    return [CompletionItem(incomplete, type="file")]


def complete_dir(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of a folder name (``--plot DIR``): the shell lists the folders."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir")]


def complete_losses(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of ``--loss``: ``all`` and every loss name and alias of the registry
    that starts with ``incomplete``, each with its summary (the registry is imported only
    when the shell asks).

    >>> [c.value for c in complete_losses(None, None, "foc")]
    ['focal', 'focal_loss']
    """
    return [c for c in _loss_items(with_all=True) if c.value.startswith(incomplete)]


def complete_loss_names(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of ``losscli losses NAME``: the loss names and aliases (no ``all``).

    >>> [c.value for c in complete_loss_names(None, None, "hu")]
    ['huber', 'huber_loss']
    """
    return [c for c in _loss_items(with_all=False) if c.value.startswith(incomplete)]


def _loss_items(*, with_all: bool) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    from losscli.losses import REGISTRY

    items = [CompletionItem("all", help="every loss valid for the task")] if with_all else []
    for spec in REGISTRY.values():
        items += [CompletionItem(n, help=spec.summary) for n in (spec.name, *spec.aliases)]
    return items


class GroupedCommand(click.Command):
    """A command whose ``--help`` shows ``examples`` first and its options grouped.

    Args:
        examples: command lines shown as written (not re-wrapped) under "Examples".
        *args, **kwargs: those of :class:`click.Command`.

    >>> @click.command(cls=GroupedCommand, examples=["demo --task binary"])
    ... @click.option("--task")
    ... def demo(task):
    ...     '''Demo.'''
    >>> print(demo.get_help(click.Context(demo, info_name="demo")))
    Usage: demo [OPTIONS]
    <BLANKLINE>
    Examples:
      demo --task binary
    <BLANKLINE>
      Demo.
    <BLANKLINE>
    Task and scores:
      --task TEXT
    <BLANKLINE>
    Other options:
      --help  Show this message and exit.
    """

    def __init__(self, *args: Any, examples: Sequence[str] = (), **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.examples = tuple(examples)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The examples (as written), then the command's description."""
        if self.examples:
            with formatter.section("Examples"):
                for line in self.examples:
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")
        super().format_help_text(ctx, formatter)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options under their group titles, in the groups' order; the rest last."""
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                sections.setdefault(help_group(param.name or ""), []).append(record)
        for title, rows in sorted(sections.items(), key=lambda kv: _order(kv[0])):
            with formatter.section(title):
                formatter.write_dl(rows)


def _order(title: str) -> int:
    titles = [t for t, _ in HELP_GROUPS]
    return titles.index(title) if title in titles else len(titles) + (title == OTHER_OPTIONS)
