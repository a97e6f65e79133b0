"""Launcher of the speed benchmark, whose code is the package benchmarks/speed/ next to this file:

    python benchmarks/speed.py --help
    python benchmarks/speed.py --quick
    python benchmarks/speed.py --only loop,peers --repeats 5

``import speed`` below finds the package, not this file (Python prefers a package to a module of
the same name in one directory); importing it sets OMP_WAIT_POLICY before torch loads.
"""

import speed

if __name__ == "__main__":
    speed.main()
