"""Keep pytest's ``--doctest-modules`` away from the golden generators.

``make_*_golden.py`` are run by hand and import torch (and scikit-learn); importing them
during collection would make torch a test dependency.
"""

collect_ignore_glob = ["make_*_golden.py"]
