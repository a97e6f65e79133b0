"""The machine: CPU model, cores, torch threads, OpenMP wait policy, bf16 support (AVX512-BF16,
AMX), what ``precision='auto'`` resolves to, versions, and the load when the run started.

Always run first, whatever ``--only`` says: the numbers of the other sections mean little without it.
"""

from __future__ import annotations

from .harness import Context, Result, Section, Table, describe_machine


def run(ctx: Context) -> Result:
    info = describe_machine()
    rows = [[k, v] for k, v in info.items()] + [["load at start", f"`{ctx.load_start}`"]]
    return Result(tables=[Table(["what", "value"], rows)], data=info)


SECTION = Section("machine", "Machine", run)
