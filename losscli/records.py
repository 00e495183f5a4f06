"""Records: dataclasses whose methods cost nothing to define (issue #20, start-up).

``@record`` (``@record(frozen=True)``, ``@record(frozen=True, eq=False)``) makes the same
class as ``@dataclasses.dataclass`` with the same flags: the same fields (``fields``,
``replace``, ``asdict`` and ``__match_args__`` work as on any dataclass, and
``__dataclass_params__`` holds the flags asked for), an ``__init__`` taking the same arguments
(defaults, ``default_factory``, ``field(init=False)``, ``__post_init__``), the same ``repr``,
``==``, hash and frozen-assignment errors, and the same ``inspect.signature``. What differs is
how the methods are made. Python 3.11's ``dataclasses`` writes each one as source text and
compiles it with ``exec``: about 0.4 ms a class, 18 ms of the 46 ms a 10-row ``losscli
compute`` spent on top of ``import numpy``. Here they are closures over the field names,
compiled once with this module (cached bytecode, as any module). A method the class defines
itself is kept, as ``dataclass`` keeps it. A class without a docstring gets the one
``dataclass`` writes (``Name(signature)``) when it is first read, not when the class is
defined: building it parses ``object.__init__``'s signature through ``tokenize`` (1.5 ms for
the first class of a run).

Only what losscli's classes use is supported; anything else (``order``, ``slots``,
``kw_only``, ``InitVar``, a dataclass base class) is refused when the class is defined, so a
record never differs from its dataclass silently. ``tests/pipeline/test_records.py`` holds
each record against the dataclass of the same source.

>>> from dataclasses import FrozenInstanceError, field, replace
>>> @record(frozen=True)
... class Point:
...     x: int
...     y: int = 0
...     tags: tuple = field(default_factory=tuple)
>>> p = Point(1, y=2)
>>> p, p == Point(1, 2), hash(p) == hash(Point(1, 2)), replace(p, x=5).x
(Point(x=1, y=2, tags=()), True, True, 5)
>>> try:
...     p.x = 3
... except FrozenInstanceError as e:
...     print(e)
cannot assign to field 'x'
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = dataclasses.MISSING


class _Factory:
    """The default shown in a signature for a ``default_factory`` field (as ``dataclasses``)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


class _LazyDoc:
    """The docstring ``dataclasses`` gives a class without one, ``Name(signature)``, built on
    first read (``type.__doc__`` calls a descriptor stored as the class's ``__doc__``)."""

    def __get__(self, obj: object, owner: type) -> str:
        import inspect

        return owner.__name__ + str(inspect.signature(owner)).replace(" -> None", "")


_LAZY_DOC = _LazyDoc()


class _LazySignature:
    """``inspect.signature(cls)``, built on first access (building it eagerly costs as much
    as the compile it replaces)."""

    def __init__(self, init_fields: list[dataclasses.Field]) -> None:
        self.init_fields = init_fields

    def __get__(self, obj: object, owner: type) -> Any:  # noqa: ANN401 - an inspect.Signature
        if obj is not None:
            raise AttributeError("__signature__")
        import inspect

        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        params = []
        for f in self.init_fields:
            default = f.default
            if default is _MISSING:
                default = _FACTORY if f.default_factory is not _MISSING else inspect.Parameter.empty
            params.append(inspect.Parameter(f.name, kind, default=default, annotation=f.type))
        return inspect.Signature(params, return_annotation=None)


def record(
    cls: type[T] | None = None, /, *, frozen: bool = False, eq: bool = True
) -> Callable[[type[T]], type[T]] | type[T]:
    """``@dataclasses.dataclass(frozen=..., eq=...)`` without compiling the generated methods.

    Args:
        cls: the class (when used as ``@record`` without parentheses).
        frozen: assigning or deleting a field raises ``dataclasses.FrozenInstanceError``;
            with ``eq``, instances hash by their fields.
        eq: ``==`` compares the fields (``compare=True`` ones) of two instances of the same
            class; without it, identity (and identity hash).

    Returns:
        The class itself, now a dataclass (or the decorator, without ``cls``).

    >>> @record
    ... class Row:
    ...     name: str
    ...     n: int = 1
    >>> Row("a"), Row("a") == Row("a", 1), Row.__hash__ is None
    (Row(name='a', n=1), True, True)
    """

    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, frozen=frozen, eq=eq)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], *, frozen: bool, eq: bool) -> type[T]:
    if any(dataclasses.is_dataclass(b) for b in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: a record cannot derive from a dataclass")
    had_doc = bool(cls.__dict__.get("__doc__"))
    own_hash = cls.__dict__.get("__hash__", _MISSING)
    explicit_hash = not (own_hash is _MISSING or (own_hash is None and "__eq__" in cls.__dict__))
    if not had_doc:  # else dataclass would parse object.__init__'s signature for a docstring
        cls.__doc__ = cls.__name__
    params = dataclasses.dataclass(cls, init=False, repr=False, eq=False).__dataclass_params__
    # the flags asked for, as @dataclass(frozen=..., eq=...) records them
    flags = {name: getattr(params, name) for name in params.__slots__}
    flags.update(init=True, repr=True, eq=eq, frozen=frozen)
    cls.__dataclass_params__ = type(params)(**flags)  # type: ignore[attr-defined]
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    for name, f in cls.__dataclass_fields__.items():  # type: ignore[attr-defined]
        if "InitVar" in str(f.type):  # a pseudo-field fields() leaves out
            raise TypeError(f"{cls.__qualname__}.{name}: InitVar fields are not supported")
    for f in fields:
        if f.kw_only:
            raise TypeError(f"{cls.__qualname__}.{f.name}: kw_only fields are not supported")
    init_fields = [f for f in fields if f.init]
    seen_default = False
    for f in init_fields:
        has_default = f.default is not _MISSING or f.default_factory is not _MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has_default
    _set(cls, "__init__", _init(cls, fields, frozen))
    _set(cls, "__repr__", _repr([f.name for f in fields if f.repr]))
    if eq:
        _set(cls, "__eq__", _eq(tuple(f.name for f in fields if f.compare)))
    if frozen:
        names = tuple(f.name for f in fields)
        _set(cls, "__setattr__", _frozen_setattr(cls, names))
        _set(cls, "__delattr__", _frozen_delattr(cls, names))
    if eq and not explicit_hash:  # dataclasses' hash rule without unsafe_hash
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        cls.__hash__ = _hash(hashed) if frozen else None  # type: ignore[assignment]
    cls.__signature__ = _LazySignature(init_fields)  # type: ignore[attr-defined]
    if not had_doc:
        cls.__doc__ = _LAZY_DOC  # type: ignore[assignment]
    return cls


def _set(cls: type, name: str, value: Callable[..., Any]) -> None:
    """Add a method unless the class defines its own (``dataclasses`` keeps those)."""
    if name in cls.__dict__:
        return
    value.__qualname__ = f"{cls.__qualname__}.{name}"
    value.__name__ = name
    setattr(cls, name, value)


def _init(cls: type, fields: tuple[dataclasses.Field, ...], frozen: bool) -> Callable[..., None]:
    init_fields = [f for f in fields if f.init]
    names = tuple(f.name for f in init_fields)
    known = frozenset(names)
    required = [
        f.name for f in init_fields if f.default is _MISSING and f.default_factory is _MISSING
    ]
    # (name, is in __init__'s arguments, default, factory) in field order, as dataclass sets
    # them; a field outside __init__ is set only from its factory (else the class attribute)
    plan = [
        (f.name, f.init, f.default if f.init else _MISSING, f.default_factory)
        for f in fields
        if f.init or f.default_factory is not _MISSING
    ]
    post_init = hasattr(cls, "__post_init__")
    least = len(required) + 1  # self
    takes = f"{least}" if least == len(names) + 1 else f"from {least} to {len(names) + 1}"
    where = f"{cls.__qualname__}.__init__()"
    put = object.__setattr__ if frozen else setattr

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401, N807
        if len(args) > len(names):
            given = len(args) + 1
            raise TypeError(f"{where} takes {takes} positional arguments but {given} were given")
        values = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in known:
                raise TypeError(f"{where} got an unexpected keyword argument {k!r}")
            if k in values:
                raise TypeError(f"{where} got multiple values for argument {k!r}")
            values[k] = v
        for name, in_init, default, factory in plan:
            if in_init and name in values:
                value = values[name]
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            else:
                raise TypeError(_missing(where, [n for n in required if n not in values]))
            put(self, name, value)
        if post_init:
            self.__post_init__()

    return __init__


def _missing(where: str, missing: list[str]) -> str:
    """Python's own message for missing arguments.

    >>> _missing("P.__init__()", ["x", "y", "z"])
    "P.__init__() missing 3 required positional arguments: 'x', 'y', and 'z'"
    """
    quoted = [repr(n) for n in missing]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
    plural = "s" if len(quoted) > 1 else ""
    return f"{where} missing {len(quoted)} required positional argument{plural}: {listed}"


def _repr(names: list[str]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:  # noqa: ANN401, N807
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


def _eq(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:  # noqa: ANN401, N807
        if other.__class__ is self.__class__:
            return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
        return NotImplemented

    return __eq__


def _hash(names: tuple[str, ...]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:  # noqa: ANN401, N807
        return hash(tuple(getattr(self, n) for n in names))

    return __hash__


def _frozen_setattr(cls: type, names: tuple[str, ...]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:  # noqa: ANN401, N807
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls: type, names: tuple[str, ...]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:  # noqa: ANN401, N807
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__
