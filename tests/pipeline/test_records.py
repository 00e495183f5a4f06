"""``losscli.records.record`` makes the class ``dataclasses.dataclass`` makes (issue #20, start-up).

Each case holds a record against the stdlib dataclass of the same source: the same
signature, fields, flags, repr, ``==``, hash, frozen errors, ``replace`` / ``asdict``, and
the same ``TypeError`` text for a bad call. Every dataclass in ``losscli`` is a record, with
the methods its dataclass twin would have.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from dataclasses import FrozenInstanceError, field

import pytest

import losscli
from losscli.records import record

FLAGS = [{}, {"frozen": True}, {"frozen": True, "eq": False}, {"eq": False}]


def both(flags: dict, body: str) -> tuple[type, type]:
    """The class ``body`` defines, once as a record and once as a stdlib dataclass."""
    made = []
    for deco in (record(**flags), dataclasses.dataclass(**flags)):
        ns: dict = {"field": field}
        exec(f"class Rec:\n    {body.strip().replace(chr(10), chr(10) + '    ')}", ns)  # noqa: S102
        made.append(deco(ns["Rec"]))
    return made[0], made[1]


BODY = '''
"""A record."""
x: int
y: str = "a"
tags: list = field(default_factory=list)
hidden: float = field(default=0.5, repr=False, compare=False)
'''


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_a_record_is_its_dataclass(flags):
    rec, dc = both(flags, BODY)
    assert str(inspect.signature(rec)) == str(inspect.signature(dc))
    assert rec.__doc__ == dc.__doc__ and rec.__match_args__ == dc.__match_args__
    assert [(f.name, f.type, f.default, f.repr, f.compare) for f in dataclasses.fields(rec)] == [
        (f.name, f.type, f.default, f.repr, f.compare) for f in dataclasses.fields(dc)
    ]
    for name in dc.__dataclass_params__.__slots__:
        assert getattr(rec.__dataclass_params__, name) == getattr(dc.__dataclass_params__, name)
    for name in ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__"):
        assert (name in rec.__dict__) == (name in dc.__dict__), name
    assert (rec.__hash__ is None) == (dc.__hash__ is None)
    assert ("__hash__" in rec.__dict__) == ("__hash__" in dc.__dict__)
    a, b = rec(1, tags=[2]), dc(1, tags=[2])
    assert repr(a) == repr(b) and vars(a) == vars(b)
    assert (a == rec(1, tags=[2], hidden=9.0)) == (b == dc(1, tags=[2], hidden=9.0))
    assert (a == rec(2)) == (b == dc(2)) is False
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert repr(dataclasses.replace(a, y="z")) == repr(dataclasses.replace(b, y="z"))
    assert rec(1).tags is not rec(1).tags  # a fresh list per instance


@pytest.mark.parametrize("flags", [{"frozen": True}, {"frozen": True, "eq": False}], ids=str)
def test_a_frozen_record_refuses_as_its_dataclass(flags):
    rec, dc = both(flags, "x: int = 1")
    for obj in (rec(), dc()):
        with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
            obj.x = 2
        with pytest.raises(FrozenInstanceError, match="cannot assign to field 'other'"):
            obj.other = 2
        with pytest.raises(FrozenInstanceError, match="cannot delete field 'x'"):
            del obj.x


def test_a_frozen_record_hashes_by_its_fields():
    rec, dc = both({"frozen": True}, "x: int\ny: tuple = ()")
    assert hash(rec(1, (2,))) == hash(dc(1, (2,))) == hash((1, (2,)))
    assert len({rec(1), rec(1), rec(2)}) == 2


@pytest.mark.parametrize(
    "args, kwargs",
    [((), {}), ((1, "b", [], 0.1, 5), {}), ((1,), {"x": 2}), ((1,), {"z": 3}), ((), {"y": "b"})],
    ids=["none", "too-many", "twice", "unknown", "missing-x"],
)
@pytest.mark.parametrize("flags", FLAGS[:2], ids=str)
def test_a_bad_call_says_what_its_dataclass_says(flags, args, kwargs):
    rec, dc = both(flags, BODY)
    errors = []
    for cls in (rec, dc):
        with pytest.raises(TypeError) as e:
            cls(*args, **kwargs)
        errors.append(str(e.value))
    assert errors[0] == errors[1]


def test_post_init_and_fields_outside_init():
    body = """
x: int
n: int = field(default=3, init=False)
seen: list = field(default_factory=list, init=False)

def __post_init__(self):
    self.seen.append(self.x)
"""
    rec, dc = both({}, body)
    a, b = rec(4), dc(4)
    assert repr(a) == repr(b) == "Rec(x=4, n=3, seen=[4])"
    assert vars(a) == vars(b) == {"x": 4, "seen": [4]}  # n: the class attribute
    assert str(inspect.signature(rec)) == str(inspect.signature(dc)) == "(x: 'int') -> None"


@pytest.mark.parametrize("flags", FLAGS, ids=str)
@pytest.mark.parametrize(
    "body",
    ["x: int", 'x: int\ny: str = "a"\ntags: list = field(default_factory=list)', "pass"],
    ids=["one", "defaults", "no-fields"],
)
def test_a_record_without_docstring_gets_its_dataclass_docstring(flags, body, monkeypatch):
    """The ``Name(signature)`` docstring dataclasses writes, read from the class and from an
    instance; defining the record builds no signature (inspect's parse of
    ``object.__init__`` cost ~1.5 ms of start-up), reading the docstring does."""
    dc = both(flags, body)[1]

    def refuse(*_args, **_kwargs):
        raise AssertionError("a signature built while the class is defined")

    ns: dict = {"field": field}
    exec(f"class Rec:\n    {body.replace(chr(10), chr(10) + '    ')}", ns)  # noqa: S102
    with monkeypatch.context() as m:
        m.setattr(inspect, "signature", refuse)
        rec = record(**flags)(ns["Rec"])
    assert rec.__doc__ == dc.__doc__ and rec.__doc__.startswith("Rec(")
    args = (1,) if "x" in body else ()
    assert rec(*args).__doc__ == dc(*args).__doc__ == dc.__doc__


def test_methods_the_class_defines_are_kept():
    body = """
x: int

def __repr__(self):
    return "mine"

def __eq__(self, other):
    return True

def __hash__(self):
    return 7
"""
    for flags in FLAGS:
        rec, dc = both(flags, body)
        assert repr(rec(1)) == repr(dc(1)) == "mine"
        assert (rec(1) == rec(2)) is (dc(1) == dc(2)) is True
        assert hash(rec(1)) == hash(dc(1)) == 7


def test_a_recursive_repr_stops_as_a_dataclass_does():
    rec, dc = both({}, "items: list = field(default_factory=list)")
    a, b = rec(), dc()
    a.items.append(a)
    b.items.append(b)
    assert repr(a) == repr(b) == "Rec(items=[...])"


def test_a_non_default_after_a_default_is_refused_at_definition():
    for deco in (record, dataclasses.dataclass):
        with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):

            @deco
            class Bad:
                x: int = 0
                y: int


def test_what_a_record_does_not_support_is_refused():
    with pytest.raises(TypeError, match="kw_only"):

        @record
        class KwOnly:
            x: int = field(kw_only=True)

    with pytest.raises(TypeError, match="InitVar"):

        @record
        class WithInitVar:
            x: dataclasses.InitVar[int]

    @dataclasses.dataclass
    class Base:
        x: int = 0

    with pytest.raises(TypeError, match="cannot derive from a dataclass"):

        @record
        class Derived(Base):
            y: int = 0


def losscli_dataclasses() -> list[type]:
    """Every dataclass defined in a losscli module (each module imported)."""
    found = {}
    for info in pkgutil.walk_packages(losscli.__path__, "losscli."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and dataclasses.is_dataclass(obj)
                and obj.__module__ == info.name
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


CLASSES = losscli_dataclasses()


def test_losscli_has_dataclasses():
    assert len(CLASSES) > 40


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_losscli_dataclass_is_a_record_like_its_dataclass(cls):
    """No generated method compiled at import (the start-up cost), and the methods, signature
    and flags the stdlib dataclass of the same fields would have."""
    for name in ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__", "__hash__"):
        method = cls.__dict__.get(name)
        code = getattr(method, "__code__", None)
        assert code is None or code.co_filename != "<string>", f"{name} compiled by dataclasses"
    params = cls.__dataclass_params__
    generated = {"__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"}
    managed = {"__dict__", "__weakref__", "__module__", "__qualname__", "__annotations__"}
    managed |= {"__dataclass_fields__", "__dataclass_params__", "__match_args__", "__signature__"}
    managed |= {f.name for f in dataclasses.fields(cls)}  # their defaults
    own = {  # what the class body defines itself, for its twin's body
        k: v
        for k, v in vars(cls).items()
        if k not in managed and not (k in generated and (v is None or _is_ours(v)))
    }
    twin = dataclasses.make_dataclass(
        cls.__name__,
        [(f.name, f.type, _copy_field(f)) for f in dataclasses.fields(cls)],
        namespace=own,
        frozen=params.frozen,
        eq=params.eq,
    )
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    assert cls.__match_args__ == twin.__match_args__
    for name in generated:
        assert (name in cls.__dict__) == (name in twin.__dict__), name
    assert (cls.__hash__ is None) == (twin.__hash__ is None)
    assert (cls.__hash__ is object.__hash__) == (twin.__hash__ is object.__hash__)


def _is_ours(fn: object) -> bool:
    code = getattr(getattr(fn, "__wrapped__", fn), "__code__", None)
    return code is not None and code.co_filename == inspect.getfile(record)


def _copy_field(f: dataclasses.Field) -> dataclasses.Field:
    return field(
        default=f.default,
        default_factory=f.default_factory,
        init=f.init,
        repr=f.repr,
        compare=f.compare,
        hash=f.hash,
    )
