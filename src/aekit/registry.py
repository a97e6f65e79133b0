"""One registry for every family of named parts: recipes, likelihoods, latents, regularisers,
corruptions, augmentations, SSL methods and backbones.

A :class:`Registry` maps names to factories (classes or functions). ``build(spec)`` turns what a
user writes into an object: a name (``"gaussian"``), a dict with options
(``{"name": "masking", "p": 0.3}``) or an instance, which is returned as is. Unknown names get
one error, in one wording, that lists the valid names. The CLI's choices and help text and the
``aekit.list_*`` functions read the same registries, so a new entry is everywhere at once
(like timm's ``create_model`` registry).

Examples
--------
>>> shapes = Registry("shape")
>>> @shapes.register("square")
... class Square:
...     '''A square of side ``side``.'''
...     def __init__(self, side=1.0):
...         self.side = side
>>> shapes.build({"name": "square", "side": 2.0}).side
2.0
>>> shapes.names()
['square']
>>> shapes.get("circle")
Traceback (most recent call last):
...
ValueError: shape must be one of ['square'] (or a dict with 'name'), got 'circle'
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _named_options(fn: Callable) -> list[str]:
    target = fn.__init__ if inspect.isclass(fn) else fn
    return [p.name for p in inspect.signature(target).parameters.values()  # required ones (the shape) are no option
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.default is not p.empty]


def json_defaults(defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` (option name -> default value) as JSON would give them back, leaving out options
    without a default and defaults JSON cannot hold (a callable): what a saved spec records so that
    it rebuilds as it was made even after a default changes.

    >>> json_defaults({"dims": (8, 4), "act": "relu", "fn": print, "shape": inspect.Parameter.empty})
    {'dims': [8, 4], 'act': 'relu'}
    """
    recorded = {}
    for name, default in defaults.items():
        if default is inspect.Parameter.empty:
            continue
        try:
            recorded[name] = json.loads(json.dumps(default))
        except (TypeError, ValueError):
            continue  # not JSON: the default at load time applies
    return recorded


def accepted_options(factory: Callable, err: TypeError | None = None) -> list[str]:
    """The keyword options ``factory`` accepts: its own, and, when it passes ``**options`` on to
    another function or class (a recipe to ``build_autoencoder``, a backbone factory to
    ``ConvEncoder``), that one's. ``err`` is the TypeError the inner call raised, which names it;
    it is looked up among ``factory``'s globals. Used to list the valid options when one is wrong.
    """
    names = _named_options(factory)
    match = re.match(r"([\w.]+)\(\) got an unexpected keyword argument", str(err)) if err is not None else None
    inner_name = match.group(1).removesuffix(".__init__") if match else None
    inner = getattr(factory, "__globals__", {}).get(inner_name) if inner_name else None
    if callable(inner) and inner is not factory:
        names += [n for n in _named_options(inner) if n not in names]
    return sorted(names)


class Registry(Mapping[str, T], Generic[T]):
    """Names -> factories of one kind of part.

    Parameters
    ----------
    kind : str
        What an entry is, as the error messages say it ("recipe", "likelihood", ...).
    base : type, optional
        Instances of this type are returned by :meth:`build` unchanged.
    spec_hint : str
        Appended to the unknown-name error, e.g. ``" (or a dict with 'name')"``.

    Notes
    -----
    A registry is also a read-only mapping: ``name in registry``, ``registry[name]`` and
    ``sorted(registry)`` work as they did on the per-family dicts it replaces.
    """

    def __init__(self, kind: str, base: type | None = None, spec_hint: str = " (or a dict with 'name')") -> None:
        self.kind = kind
        self.base = base
        self.spec_hint = spec_hint
        self._entries: dict[str, T] = {}

    # -- registration ----------------------------------------------------------------------------
    def register(self, name: str | T | None = None, obj: T | None = None):
        """Register ``obj`` under ``name``; used as a decorator, with or without a name.

        Without a name, the entry's ``name`` attribute (classes) or ``__name__`` (functions) is
        used. A name registered twice is an error: a silent replacement would change what
        saved models rebuild into.
        """
        if name is not None and not isinstance(name, str):  # @registry.register without parentheses
            return self._add(None, name)
        if obj is not None:
            return self._add(name, obj)
        return lambda entry: self._add(name, entry)

    def _add(self, name: str | None, obj: T) -> T:
        name = name or getattr(obj, "name", None) or getattr(obj, "__name__", None)
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.kind} needs a non-empty name, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = obj
        return obj

    def unregister(self, name: str) -> T:
        """Remove ``name`` and return its entry (for plugins and tests)."""
        return self._entries.pop(self._check(name))

    @contextlib.contextmanager
    def temporary(self, name: str, obj: T) -> Iterator[T]:
        """Register ``obj`` under ``name`` for the duration of a ``with`` block (tests)."""
        self._add(name, obj)
        try:
            yield obj
        finally:
            self._entries.pop(name, None)

    # -- lookup ----------------------------------------------------------------------------------
    def _check(self, name: Any) -> str:
        if not isinstance(name, str) or name not in self._entries:
            raise ValueError(f"{self.kind} must be one of {self.names()}{self.spec_hint}, got {name!r}")
        return name

    def get(self, name: str) -> T:  # type: ignore[override]  (Mapping.get returns a default instead)
        """The entry registered under ``name``; an unknown name is a ``ValueError`` listing the valid ones."""
        return self._entries[self._check(name)]

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

    def help(self, name: str) -> str:
        """First paragraph of the entry's docstring, on one line (for CLI help)."""
        doc = inspect.getdoc(self.get(name)) or ""
        return " ".join(doc.split("\n\n")[0].split())

    def build(self, spec: str | dict[str, Any] | Any, **defaults: Any) -> Any:
        """An object from a name, a dict ``{"name": ..., **options}`` or an instance of ``base``.

        ``defaults`` are options used where the spec does not give them.
        """
        if self.base is not None and isinstance(spec, self.base):
            return spec
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, dict):
            self._check(spec)
        options = {**defaults, **{k: v for k, v in spec.items() if k != "name"}}
        return self.get(spec.get("name"))(**options)

    # -- the Mapping protocol (read-only) --------------------------------------------------------
    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self.names())})"




def registries() -> dict[str, Registry]:
    """Every registry of the package by family: recipe, likelihood, latent, regulariser,
    corruption, augmentation, method (SSL), backbone.

    Examples
    --------
    >>> "deep" in registries()["recipe"]
    True
    """
    # Imported here, not at the top: the families import this module to create their registries.
    from .transforms.augment import AUGMENTATIONS
    from .transforms.corruption import CORRUPTIONS
    from .models.latents import LATENTS
    from .models.registry import RECIPES
    from .objectives.likelihoods import LIKELIHOODS
    from .objectives.regularisers import REGULARISERS
    from .ssl.backbones import BACKBONES
    from .ssl.base import METHODS

    return {"recipe": RECIPES, "likelihood": LIKELIHOODS, "latent": LATENTS, "regulariser": REGULARISERS,
            "corruption": CORRUPTIONS, "augmentation": AUGMENTATIONS, "method": METHODS, "backbone": BACKBONES}


def _lister(family: str):
    def names() -> list[str]:
        return registries()[family].names()

    names.__name__ = f"list_{family}s"
    names.__doc__ = f"Names of the registered {family}s (the ``{family}`` registry of :func:`registries`)."
    return names


list_likelihoods = _lister("likelihood")
list_latents = _lister("latent")
list_regularisers = _lister("regulariser")
list_corruptions = _lister("corruption")
list_augmentations = _lister("augmentation")
list_backbones = _lister("backbone")
