"""Recurrent sequence-to-sequence encoder and decoder (LSTM or GRU).

The encoder reads a sequence and maps its last hidden state to the code; with a padding mask
it packs the batch, so each sequence stops at its own last observed step and its code does not
depend on the padding (Srivastava et al. 2015, "Unsupervised learning of video representations
using LSTMs"). The decoder is unrolled from the code: its initial state is a function of the
code, and each step reads the code plus the previous value (Srivastava et al.'s "conditional"
decoder). In evaluation it feeds back its own previous output; in training, ``teacher_forcing``
is the chance of feeding the true previous value instead (Williams & Zipser 1989; Bengio et al.
2015 for the mixed schedule). With ``feedback=False`` each step reads the code only (their
"unconditioned" decoder): no step waits for the previous one, so all run in one parallel call.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .activations import make_activation
from .shapes import as_shape
from .sequence import from_steps, sequence_dims, step_lengths, to_steps

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


def _check_rnn_options(cell: str, hidden_dims: Sequence[int]) -> list[int]:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    dims = list(hidden_dims)
    if not dims or any(not isinstance(d, int) or isinstance(d, bool) or d < 1 for d in dims):
        raise ValueError(f"hidden_dims must be one or more positive ints (one recurrent layer each), got {hidden_dims!r}")
    return dims


def _last_hidden(state) -> torch.Tensor:
    """(B, directions * hidden) from an LSTM's ``(h, c)`` or a GRU's ``h``."""
    h = state[0] if isinstance(state, tuple) else state  # (directions, B, H)
    return h.transpose(0, 1).reshape(h.shape[1], -1)


class RNNEncoder(nn.Module):
    """Stacked LSTM/GRU layers (``hidden_dims``, one width each), last hidden state -> code.

    Examples
    --------
    >>> enc = RNNEncoder((30, 2), 8, hidden_dims=(16,))
    >>> enc(torch.zeros(4, 30, 2)).shape
    torch.Size([4, 8])
    """

    takes_mask = True  # AutoencoderModel passes a padding mask on

    def __init__(
        self,
        input_shape: int | Sequence[int],
        out_features: int,
        hidden_dims: Sequence[int] = (64,),
        cell: str = "lstm",
        bidirectional: bool = False,
        code_activation: str | None = None,
    ) -> None:
        super().__init__()
        self.length, self.channels = sequence_dims(input_shape)
        dims = _check_rnn_options(cell, hidden_dims)
        directions = 2 if bidirectional else 1
        widths = [self.channels] + [d * directions for d in dims]
        self.layers = nn.ModuleList(
            CELLS[cell](w, d, batch_first=True, bidirectional=bidirectional) for w, d in zip(widths, dims)
        )
        self.head = nn.Sequential(nn.Linear(widths[-1], out_features), make_activation(code_activation))
        self.out_features = out_features

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = to_steps(x, -1, self.channels)  # (B, L, C); recurrence takes any length, not only input_shape's
        if mask is not None:  # stop every sequence at its own end: padding never enters the state
            lengths = step_lengths(mask, h.shape[1]).cpu()
            h = pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
        state = None
        for layer in self.layers:
            h, state = layer(h)
        return self.head(_last_hidden(state))


class RNNDecoder(nn.Module):
    """Code -> initial states; each step reads ``[code, previous value]`` and emits the step's
    likelihood parameters.

    Examples
    --------
    >>> dec = RNNDecoder(8, (30, 2), hidden_dims=(16,))
    >>> dec(torch.zeros(4, 8)).shape
    torch.Size([4, 30, 2])
    """

    def __init__(
        self,
        latent_dim: int,
        output_shape: int | Sequence[int],
        hidden_dims: Sequence[int] = (64,),
        cell: str = "lstm",
        n_params: int = 1,
        teacher_forcing: float = 0.0,
        feedback: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(teacher_forcing, (int, float)) or not 0 <= teacher_forcing <= 1:
            raise ValueError(f"teacher_forcing must be a probability in [0, 1], got {teacher_forcing!r}")
        if not isinstance(feedback, bool):
            raise ValueError(f"feedback must be True or False, got {feedback!r}")
        if teacher_forcing > 0 and not feedback:
            raise ValueError("teacher_forcing needs feedback=True: a decoder that reads only the code has no previous value to force")
        self.output_shape = as_shape(output_shape, "output_shape")
        self.length, self.channels = sequence_dims(output_shape, "output_shape")
        dims = _check_rnn_options(cell, hidden_dims)
        self.cell, self.n_params, self.teacher_forcing, self.feedback = cell, n_params, float(teacher_forcing), feedback
        widths = [latent_dim + (self.channels if feedback else 0)] + dims
        self.layers = nn.ModuleList(CELLS[cell](w, d, batch_first=True) for w, d in zip(widths, dims))
        self.init = nn.ModuleList(nn.Linear(latent_dim, d) for d in dims)
        self.head = nn.Linear(dims[-1], n_params * self.channels)

    @property
    def uses_target(self) -> bool:
        """AutoencoderModel hands the clean input over in training when teacher forcing is on."""
        return self.teacher_forcing > 0

    def _initial_states(self, z: torch.Tensor) -> list:
        states = []
        for init in self.init:
            h = torch.tanh(init(z)).unsqueeze(0)  # (1, B, H)
            states.append((h, torch.zeros_like(h)) if self.cell == "lstm" else h)
        return states

    def _run(self, inputs: torch.Tensor, states: list) -> tuple[torch.Tensor, list]:
        h = inputs
        new_states = []
        for layer, state in zip(self.layers, states):
            h, state = layer(h, state)
            new_states.append(state)
        return self.head(h), new_states

    def forward(self, z: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        b = z.shape[0]  # not len(z), which torch.export would fix to the traced batch size
        states = self._initial_states(z)
        start = z.new_zeros(b, 1, self.channels)  # the "previous value" before the first step
        truth = None if target is None else to_steps(target, self.length, self.channels)
        code = z.unsqueeze(1)  # (B, 1, latent)
        if not self.feedback:  # every step reads the code only: one parallel call
            out, _ = self._run(code.expand(-1, self.length, -1), states)
            return from_steps(out, self.output_shape, self.n_params)
        if truth is not None and self.teacher_forcing >= 1.0:  # all steps known: one parallel call
            previous = torch.cat([start, truth[:, :-1]], dim=1)
            out, _ = self._run(torch.cat([code.expand(-1, self.length, -1), previous], dim=2), states)
            return from_steps(out, self.output_shape, self.n_params)
        outs, previous = [], start
        for t in range(self.length):
            out, states = self._run(torch.cat([code, previous], dim=2), states)  # (B, 1, n_params * C)
            outs.append(out)
            previous = out[..., : self.channels]  # the first parameter block: a Gaussian's mean
            if truth is not None:
                forced = torch.rand(b, 1, 1, device=z.device) < self.teacher_forcing
                previous = torch.where(forced, truth[:, t : t + 1], previous)
        return from_steps(torch.cat(outs, dim=1), self.output_shape, self.n_params)
