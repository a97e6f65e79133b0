"""Several pretext tasks on one backbone (Doersch & Zisserman 2017, "Multi-task self-supervised
visual learning"): every task keeps its own head and its own targets, the backbone is shared, and
the loss is the weighted sum of the tasks' losses. Tasks that read different cues (rotation: the
object's global shape; inpainting: local texture and parts) give the backbone features neither
alone asks for.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("multitask", (1, 8, 8), tasks=["rotation", {"method": "inpainting", "weight": 0.5}],
...                   backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['inpainting', 'rotation', 'total']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .base import METHODS, SSLMethod, _pinned_options, method_options, register_method

TASK_KEYS = ("method", "options", "weight")


def parse_tasks(tasks: Any) -> list[dict[str, Any]]:
    """``tasks`` as a list of ``{"method", "options", "weight"}``; a bare name is that method with its
    default options and weight 1. Errors name the task and what was expected."""
    if isinstance(tasks, (str, dict)) or not isinstance(tasks, Sequence) or len(tasks) < 1:
        raise ValueError(f"tasks must be a non-empty list of method names or {{'method', 'options', 'weight'}} "
                         f"dicts, got {tasks!r}")
    parsed = []
    for i, task in enumerate(tasks):
        task = {"method": task} if isinstance(task, str) else task
        if not isinstance(task, dict) or not isinstance(task.get("method"), str):
            raise ValueError(f"tasks[{i}] must be a method name or a dict with a 'method' name, got {task!r}")
        unknown = sorted(set(task) - set(TASK_KEYS))
        if unknown:
            raise ValueError(f"tasks[{i}] has unknown keys {unknown}; a task takes {list(TASK_KEYS)}")
        name, options, weight = task["method"], task.get("options") or {}, task.get("weight", 1.0)
        try:
            cls = METHODS.get(name)
        except ValueError as err:  # the registry lists the known names; say which task named it
            raise ValueError(f"tasks[{i}]: {err}") from None
        if issubclass(cls, MultiTask):
            raise ValueError(f"tasks[{i}]: a multitask method cannot hold another one")
        if not isinstance(options, dict):
            raise ValueError(f"tasks[{i}]['options'] must be a dict of {name!r}'s options, got {options!r}")
        shared = sorted({"backbone", "backbone_options"} & set(options))
        if shared:
            raise ValueError(f"tasks[{i}]['options'] sets {shared}: the backbone is shared, so give it to the "
                             "multitask method itself")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not (weight > 0 and math.isfinite(weight)):
            raise ValueError(f"tasks[{i}]['weight'] must be a finite number > 0, got {weight!r}")
        if any(p["method"] == name for p in parsed):
            raise ValueError(f"tasks[{i}]: {name!r} is listed twice; give each method once")
        parsed.append({"method": name, "options": dict(options), "weight": float(weight)})
    return parsed


@register_method("multitask")
class MultiTask(SSLMethod):
    """Registered methods trained together on one backbone; the loss is ``sum(weight * task loss)``.

    Parameters
    ----------
    input_shape : sample shape, as every task needs it (most pretext tasks need images)
    backbone, backbone_options : the shared backbone, see :func:`aekit.ssl.make_backbone`
    tasks : list
        Method names (``["rotation", "inpainting"]``) or dicts ``{"method": name, "options": {...},
        "weight": w}`` (options: the method's own, e.g. rotation's ``augment``; weight > 0, default 1).
        Each method is built as :func:`create_method` would build it, on the shared backbone; each
        keeps its own head, targets and (for BYOL, DINO, MoCo, I-JEPA) its own EMA copy. A step costs
        the sum of the tasks' steps.

    The loss's parts are the tasks' weighted losses by method name, so the history shows each.
    What users keep is the shared backbone (with I-JEPA as a task: its context encoder, not the EMA
    target it would read out alone). Tasks get no labels: ``triplet`` here mines its positives from
    two views.
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        tasks: Sequence[str | dict[str, Any]] = ("rotation", "inpainting"),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        self.task_weights: dict[str, float] = {}
        self.tasks = nn.ModuleDict()
        self._parsed_tasks = parse_tasks(tasks)
        for task in self._parsed_tasks:
            cls = METHODS.get(task["method"])
            try:
                method = cls(self.input_shape, backbone=self.backbone, **task["options"])
            except TypeError as err:
                raise ValueError(f"task {task['method']!r} rejected its options {sorted(task['options'])}: {err}; "
                                 f"its options are {method_options(cls)}") from None
            _share(method, self.backbone)
            self.tasks[task["method"]] = method
            self.task_weights[task["method"]] = task["weight"]

    def recorded_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Each task with its method's defaults pinned, as :func:`create_method` pins a method's own:
        a saved multitask method rebuilds as it was trained after a task's default changes."""
        tasks = [{**task, "options": _pinned_options(METHODS.get(task["method"]), task["options"])}
                 for task in self._parsed_tasks]
        return {**options, "tasks": tasks}

    def loss(self, x: torch.Tensor) -> Any:
        return self._output(**{name: self.task_weights[name] * task.loss(x).total for name, task in self.tasks.items()})


def _share(method: SSLMethod, backbone: nn.Module) -> None:
    """Let ``method`` use ``backbone`` without registering it as its own submodule: the parameters
    then appear once in ``state_dict`` (under ``backbone.``), which safetensors needs, and moving or
    converting the multitask method moves the one backbone every task reads."""
    del method._modules["backbone"]
    object.__setattr__(method, "backbone", backbone)
