"""argparse `type=` validators shared by the nvhai command lines (nvhai-bag, nvhai-echo, nvhai-train, nvhai-demo).

A bad number is refused by argparse itself, before any work starts: one usage line naming the
option and exit 2. (Unchecked, a stride of 0 divided by zero after a whole epoch and a NaN rate
played a bag at full speed.) Each validator raises ArgumentTypeError, a ValueError elsewhere.

A command that writes results declares them (`writes(parser, outputs)`) and is refused before any
work when one exists already, unless `--force` (`refuse_to_overwrite`): a `train --out` over an
earlier run replaced its model.pt, and `extract` replaced a dataset with an empty file.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable
from pathlib import Path


class BadValue(argparse.ArgumentTypeError, ValueError):
    """An option value that is not what the option needs; the message says what it needs."""


def _number(text: str, kind: type) -> int | float:
    try:
        return kind(text)
    except (TypeError, ValueError):
        raise BadValue(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None


def positive_int(text: str) -> int:
    value = _number(text, int)
    if value < 1:
        raise BadValue(f"{text!r}: must be a positive integer (1 or more)")
    return value


def non_negative_int(text: str) -> int:
    value = _number(text, int)
    if value < 0:
        raise BadValue(f"{text!r}: must be 0 or more")
    return value


def finite_float(text: str) -> float:
    value = _number(text, float)
    if not math.isfinite(value):
        raise BadValue(f"{text!r}: must be a finite number")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise BadValue(f"{text!r}: must be a finite number > 0")
    return value


def non_negative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise BadValue(f"{text!r}: must be a finite number >= 0")
    return value


def fraction(text: str) -> float:
    """A number in (0, 1), e.g. a share of groups held out."""
    value = finite_float(text)
    if not 0 < value < 1:
        raise BadValue(f"{text!r}: must be between 0 and 1")
    return value


def unit_interval(text: str) -> float:
    """A number in [0, 1], e.g. a share of training windows."""
    value = finite_float(text)
    if not 0 <= value <= 1:
        raise BadValue(f"{text!r}: must be between 0 and 1 (inclusive)")
    return value


def tcp_port(value: str | int) -> int:
    """0 (any free port) to 65535."""
    port = _number(str(value), int)
    if not 0 <= port <= 65535:
        raise BadValue(f"port {value}: must be 0-65535 (0 = any free port)")
    return port


def name_and_path(text: str) -> tuple[str, str]:
    """NAME=PATH, as in `plot --log scratch=runs/a/log.csv`."""
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise BadValue(f"{text!r}: expected NAME=PATH (e.g. scratch=runs/a/log.csv)")
    return name, path


Outputs = Callable[[argparse.Namespace], Iterable[tuple[str, str | Path]]]


def writes(parser: argparse.ArgumentParser, outputs: Outputs) -> None:
    """Mark a (sub)command as writing the files `outputs(args)` lists as (option, path): it gets `--force`, and
    `refuse_to_overwrite(args)` refuses to start when one of them exists without it."""
    parser.add_argument("--force", action="store_true", help="replace outputs that exist already (default: refuse)")
    parser.set_defaults(outputs=outputs)


def refuse_to_overwrite(args: argparse.Namespace) -> None:
    """FileExistsError (one line, exit 1 through cli_errors) naming the first output of `args` that exists,
    unless --force. Commands that declared no outputs pass."""
    outputs: Outputs | None = getattr(args, "outputs", None)
    if outputs is None or args.force:
        return
    for option, path in outputs(args):
        if path and Path(path).exists():
            raise FileExistsError(f"{option} {path} exists already: choose another, or add --force to replace it")


def npz_written(path: str | Path) -> Path:
    """Where numpy.savez puts `path` (it adds .npz to a name without it)."""
    return Path(path) if str(path).endswith(".npz") else Path(f"{path}.npz")
