"""Names imported on first use: the one mechanism of losscli's lazy registries.

A command, a reader or a package's re-exported name is named by strings (module, attribute)
and imported when it is first used, so ``losscli compute tiny.csv`` imports the CSV reader and
the compute command, not every reader and command (issue #20, start-up). The strings are
import edges all the same: ``tests/docs/test_architecture.py`` reads the first argument of
every :class:`Lazy` call and the module names of every :func:`lazy_exports` table into the
import graph, so the no-cycle checks see them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


class Lazy:
    """An attribute of a module, named by strings and imported on first :meth:`load`.

    Args:
        module: the dotted module name (``"losscli.io._text"``).
        name: the attribute in it (``"TextTable"``).

    >>> Lazy("json", "dumps").load()([1, 2])
    '[1, 2]'
    """

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def load(self) -> Any:  # noqa: ANN401 - whatever the module holds
        """Import the module (once; Python caches it) and return the attribute.

        Returns:
            The attribute ``name`` of ``module``.
        """
        return getattr(importlib.import_module(self.module), self.name)

    def __repr__(self) -> str:
        return f"Lazy({self.module!r}, {self.name!r})"


def lazy_exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A package's module ``__getattr__`` (PEP 562): each public name from its module on first use.

    The first access imports the module and binds the name in the package, so later accesses
    are plain attribute reads. A submodule (``from losscli.metrics import catalog``) is not in
    ``names``: Python imports it as usual.

    Args:
        package: the package's ``__name__``.
        names: public name -> the module that defines it.

    Returns:
        The function to assign to the package's ``__getattr__``.

    >>> get = lazy_exports("json", {"JSONDecoder": "json.decoder"})
    >>> get("JSONDecoder").__name__
    'JSONDecoder'
    """

    def __getattr__(name: str) -> Any:  # noqa: ANN401 - whatever the module holds
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
