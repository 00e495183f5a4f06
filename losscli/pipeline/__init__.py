"""One evaluation as stages over explicit values (see ``docs/ARCHITECTURE.md``, ``## pipeline``).

``options`` (the settings, checked once into typed specs) -> ``columns`` (column roles,
label files) -> ``plan`` (all of task and score inference; its rules in ``infer``) ->
``prepare`` (a chunk's rows encoded by ``encode``) -> ``state`` (the mergeable accumulators
and counters) -> ``report`` (a state's Report), with ``groups`` (``--group-by`` slices),
``per_sample`` (``--per-sample`` rows) and ``intervals`` (``--bootstrap``) as their own
modules.
"""
