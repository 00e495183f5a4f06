"""One evaluation as stages over explicit values (see ``docs/ARCHITECTURE.md``, ``## pipeline``).

``options`` (the settings, checked once) -> ``columns`` (column roles, label files) -> the
``plan`` (task and score inference: ``infer``, ``plan``) -> ``prepare`` (a chunk's rows encoded) -> ``state``
(the mergeable accumulators and counters) -> ``report`` (a state's Report), with ``groups``
(``--group-by`` slices), ``per_sample`` (``--per-sample`` rows) and ``intervals``
(``--bootstrap``) as their own modules.
"""
