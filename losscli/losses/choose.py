"""Choosing the losses of a run: what ``--loss`` asks for, checked against the task and the
score kind the plan decided.
"""

from __future__ import annotations

from collections.abc import Sequence

from losscli.errors import UsageError
from losscli.losses.registry import DEFAULT_LOSS, REGISTRY, get_spec, names_for

__all__ = ["choose_losses"]


def choose_losses(requested: Sequence[str] | None, task: str, scores: str) -> list[str]:
    """The canonical names of the losses to compute, in the order asked, each once.

    ``None`` (or empty) is the task's default loss (:data:`DEFAULT_LOSS`); ``"all"`` is
    every loss of the task that takes ``scores`` (registry order); any other name or alias
    must fit the task and the score kind.

    Args:
        requested: the ``--loss`` values (names, aliases or ``"all"``), or None.
        task: the plan's task.
        scores: the plan's score kind (``values`` for regression).

    Returns:
        The loss names.

    Raises:
        UsageError: an unknown loss, one that does not fit the task, or one that does not
            take the score kind (the message lists what does).

    >>> choose_losses(None, "multiclass", "logits")
    ['ce']
    >>> choose_losses(["mse", "all"], "regression", "values")[:3]
    ['mse', 'rmse', 'mae']
    >>> try:
    ...     choose_losses(["nll"], "multiclass", "logits")
    ... except UsageError as e:
    ...     print(e)
    loss 'nll' does not take logits for the multiclass task; it takes log-probs
    """
    names: list[str] = []
    for req in list(requested) if requested else [DEFAULT_LOSS[task]]:
        if req == "all":
            valid = [n for n in names_for(task) if scores in REGISTRY[n].scores.get(task, ())]
            names += [n for n in valid if n not in names]
            continue
        spec = get_spec(req)
        if task not in spec.tasks:
            raise UsageError(
                f"loss {spec.name!r} does not fit the {task} task (it is for "
                f"{', '.join(spec.tasks)}); choose from {', '.join(names_for(task))}"
            )
        if scores not in spec.scores.get(task, ()):
            raise UsageError(
                f"loss {spec.name!r} does not take {scores} for the {task} task; "
                f"it takes {', '.join(spec.scores[task])}"
            )
        if spec.name not in names:
            names.append(spec.name)
    return names
