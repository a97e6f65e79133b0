"""Flushing denormal float32 numbers to zero on every CPU thread a fit computes on.

``torch.set_flush_denormal`` sets the floating-point mode (the FTZ and DAZ bits of MXCSR on x86)
of the calling thread only. torch's CPU kernels also run on the worker threads of its OpenMP team,
which keep the mode they were created with: a fit with two threads used to flush denormals in
about half of its arithmetic (the main thread's share) and meet slow denormal arithmetic in the
rest. Where torch's OpenMP runtime is GNU libgomp (the Linux wheels ship it in ``torch/lib``),
:func:`each_openmp_thread` runs a Python function once on every thread of that team, through
libgomp's ``GOMP_parallel``: the same call the compiler emits for ``#pragma omp parallel``, so it
reaches the threads torch's own parallel loops run on. Elsewhere (macOS, Windows, builds with
another OpenMP) only the calling thread is reached, as before.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

_BODY = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@functools.cache
def _gomp_parallel():
    """libgomp's ``GOMP_parallel`` from the copy torch loaded, or None."""
    if not hasattr(os, "RTLD_NOLOAD"):
        return None
    for path in sorted((Path(torch.__file__).parent / "lib").glob("libgomp*.so*")):
        try:  # RTLD_NOLOAD: only the library already in this process (torch's), never a second copy
            lib = ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD)
        except OSError:
            continue
        function = getattr(lib, "GOMP_parallel", None)
        if function is not None:
            function.argtypes = [_BODY, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
            function.restype = None
            return function
    return None


def each_openmp_thread(fn: Callable[[], None]) -> bool:
    """Call ``fn()`` once on each thread of torch's OpenMP team (``torch.get_num_threads()`` of
    them, the calling thread included). False, without calling it, where that team is not
    libgomp's."""
    parallel = _gomp_parallel()
    if parallel is None:
        return False
    errors: list[BaseException] = []

    def body(_data) -> None:  # a ctypes callback: it takes the GIL on each thread in turn
        try:
            fn()
        except BaseException as error:  # noqa: BLE001 - raised again on the calling thread below
            errors.append(error)

    callback = _BODY(body)  # kept referenced until the call returns
    parallel(callback, None, torch.get_num_threads(), 0)
    if errors:
        raise errors[0]
    return True


def thread_flushes() -> bool:
    """Whether the calling thread flushes denormals: 1e-39 is one in float32, and flushing zeroes
    it (numpy's scalar product runs on this thread, with its mode)."""
    return bool(np.float32(1e-39) * np.float32(1.0) == 0)


@contextmanager
def flushing_on_all_threads() -> Iterator[bool]:
    """Denormals flushed on the calling thread and torch's OpenMP workers while the block runs;
    afterwards each thread this turned on is turned off again (a thread already flushing, e.g.
    by the user's ``torch.set_flush_denormal(True)``, stays so). Yields False, changing nothing,
    where the CPU cannot flush denormals."""
    if not torch.set_flush_denormal(thread_flushes()):  # probes support, leaves the mode as it is
        yield False
        return
    turned_on: set[int] = set()  # the team's threads run the callbacks one at a time (each holds the GIL)

    def turn_on() -> None:
        if not thread_flushes():
            torch.set_flush_denormal(True)
            turned_on.add(threading.get_native_id())

    def turn_back() -> None:
        if threading.get_native_id() in turned_on:
            torch.set_flush_denormal(False)

    caller = threading.get_native_id()
    turn_on()  # the calling thread always, also where the workers cannot be reached
    reached = torch.get_num_threads() > 1 and each_openmp_thread(turn_on)
    try:
        yield True
    finally:
        if reached:
            each_openmp_thread(turn_back)
        if caller in turned_on and thread_flushes():  # the team's pass may not have included it
            torch.set_flush_denormal(False)
