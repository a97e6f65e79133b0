"""``python -m aekit`` runs the command line, so that ``torchrun -m aekit train ...`` works."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="aekit")
