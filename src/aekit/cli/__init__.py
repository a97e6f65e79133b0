"""The ``aekit`` command line: one module per command group, each registering its commands on
:data:`aekit.cli.app.main` when imported here.

- :mod:`.app`: the group, one-line errors and the helpers every command shares;
- :mod:`.types`: option types read from the registries (``--recipe``, ``--corruption``, ...);
- :mod:`.train` (train, demo, encode, reconstruct, info, recipes, presets), :mod:`.report`
  (report, explore), :mod:`.ssl` (pretrain, evaluate), :mod:`.vae`, :mod:`.detect`,
  :mod:`.series` (detect-series), :mod:`.restore`, :mod:`.text` (word2vec, masked-lm, neighbors),
  :mod:`.export` (export).

A new command is one module here plus one line below.
"""

from .app import main
from . import detect, export, report, restore, series, ssl, text, train, vae  # noqa: E402,F401  (each registers its commands)

__all__ = ["main"]
