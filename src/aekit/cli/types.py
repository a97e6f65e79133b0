"""Command-line option types whose values come from aekit's registries.

``--recipe``, ``--likelihood``, ``--corruption``, ``--method`` and ``--backbone`` accept exactly the
names registered in :func:`aekit.registries`, and their help shows those names, read when the help
or the value is needed (so ``aekit --help`` does not import the models). A recipe, likelihood or
SSL method registered by a plugin is accepted by the CLI without touching it.
"""

from __future__ import annotations

import json
from typing import Any

import click


def _registry(family: str):
    from ..registry import registries

    return registries()[family]


class RegistryChoice(click.ParamType):
    """One of the names registered in the ``family`` registry (e.g. ``"recipe"``).

    With ``allow_json=True`` a JSON object with a registered ``"name"`` is accepted too and
    passed on as a dict, e.g. ``--corruption '{"name": "masking", "p": 0.3}'``.
    """

    def __init__(self, family: str, allow_json: bool = False) -> None:
        self.family = family
        self.allow_json = allow_json
        self.name = family

    def names(self) -> list[str]:
        return _registry(self.family).names()

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self.names() + (["JSON"] if self.allow_json else [])) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dict) or value is None:
            return value
        text = str(value).strip()
        spec: Any = text
        if self.allow_json and text.startswith("{"):
            try:
                spec = json.loads(text)
            except json.JSONDecodeError as err:
                raise ValueError(f"{self._hint(param)}: not valid JSON ({err.msg}): {text!r}") from None
            name = spec.get("name") if isinstance(spec, dict) else None
        else:
            name = text
        if name not in _registry(self.family):
            # A ValueError, not click's usage error: the CLI prints it as one line, like every other bad input.
            raise ValueError(f"{self._hint(param)}: {self.family} must be one of {self.names()}, got {name!r}")
        return spec

    def _hint(self, param: click.Parameter | None) -> str:
        return param.opts[0] if param is not None and param.opts else self.family

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        return [CompletionItem(n) for n in self.names() if n.startswith(incomplete)]


class PositiveFloatOrAuto(click.ParamType):
    """A positive number, or ``auto`` (passed on as the string "auto")."""

    name = "number|auto"

    def convert(self, value: Any, param, ctx) -> float | str:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        if str(value).strip().lower() == "auto":
            return "auto"
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not number > 0:
            self.fail(f"expected a positive number or 'auto', got {value!r}", param, ctx)
        return number
