"""Building the actual run's models without validation, at a fraction of ``model_construct``'s cost.

Every stubbed call records what the agent asked as model objects (a step, its messages, their tool calls):
about three objects per call. pydantic's ``model_construct`` walks every field of the class on each call
(defaults, aliases, ``fields_set``), which measured 15-20 us per stubbed call, most of a call's cost. The
defaults of a class are the same every time, so they are worked out once here; an object is then one dict
copy and four attribute writes. Anything this does not cover (aliases or unknown keys given, private
attributes) goes to ``model_construct`` itself, so the result is always the same object.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["construct"]

M = TypeVar("M", bound=BaseModel)

_IMMUTABLE = (type(None), str, int, float, bool, tuple, frozenset)


class _Plan:
    __slots__ = ("factories", "names", "post_init", "static")

    def __init__(self, cls: type[BaseModel]) -> None:
        self.static: dict[str, Any] = {}
        self.factories: list[tuple[str, Callable[[], Any]]] = []
        self.names = frozenset(cls.model_fields)
        self.post_init = bool(cls.__pydantic_post_init__)
        for name, info in cls.model_fields.items():
            if info.is_required():
                continue
            factory = info.default_factory
            if factory is not None:
                self.factories.append((name, factory))  # type: ignore[arg-type]  # no validated-data factories here
            elif isinstance(info.default, _IMMUTABLE):
                self.static[name] = info.default
            else:
                self.factories.append((name, functools.partial(copy.deepcopy, info.default)))


_PLANS: dict[type[BaseModel], _Plan | None] = {}


def _plan(cls: type[BaseModel]) -> _Plan | None:
    try:
        return _PLANS[cls]
    except KeyError:
        simple = (
            not cls.__private_attributes__
            and cls.model_config.get("extra") != "allow"
            and not any(f.alias or f.validation_alias for f in cls.model_fields.values())
            and not any(f.default_factory_takes_validated_data for f in cls.model_fields.values())
        )
        plan = _PLANS[cls] = _Plan(cls) if simple else None
        return plan


def construct(cls: type[M], **fields: Any) -> M:
    """``cls.model_construct(**fields)``, faster: no validation, ``fields`` are marked as set."""
    plan = _plan(cls)
    if plan is None or not plan.names.issuperset(fields):
        return cls.model_construct(**fields)
    values = dict(plan.static)
    for name, factory in plan.factories:
        if name not in fields:
            values[name] = factory()
    values.update(fields)
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", set(fields))
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    if plan.post_init:
        model.model_post_init(None)
    return model
