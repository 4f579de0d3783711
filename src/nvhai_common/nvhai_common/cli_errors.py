"""The one place where a command line turns a known error into one line on stderr and an exit code.

Known errors are the user's to fix (a bad file, a bad value): they get `prog command: message`
and exit 1, never a traceback. Ctrl-C gets `prog command: interrupted` and exit 130 (128 + SIGINT,
what a shell reports), not a KeyboardInterrupt traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, OSError)
INTERRUPTED = 130


def one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


_stop = threading.Event()
_deferred = threading.Event()


def _interrupt(signum: int, frame: object) -> None:
    if _deferred.is_set():
        _stop.set()
        return
    raise KeyboardInterrupt


@contextmanager
def interrupt_between_steps() -> Iterator[None]:
    """Inside, Ctrl-C only sets a flag and `check_interrupt()` raises KeyboardInterrupt, at a step boundary.

    Raised wherever the signal lands, a KeyboardInterrupt can hit MediaPipe's Python callbacks mid-frame:
    one `evaluate` in four then printed 'interrupted' and still died of SIGINT on exit (-2). Loops over
    frames run in here and call check_interrupt() once per frame."""
    _deferred.set()
    try:
        yield
    finally:
        _deferred.clear()
    check_interrupt()


def check_interrupt() -> None:
    if _stop.is_set():
        _stop.clear()
        raise KeyboardInterrupt


def run_command(prog: str, command: Callable[[], int | None],
                errors: tuple[type[BaseException], ...] = USER_ERRORS) -> int:
    """Run `command()`; its return value (None = 0), 1 for `errors`, 130 for Ctrl-C."""
    previous = signal.getsignal(signal.SIGINT)
    ours = threading.current_thread() is threading.main_thread() and previous is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, _interrupt)  # KeyboardInterrupt, or a flag in interrupt_between_steps
    try:
        rc = command()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except errors as e:
        print(f"{prog}: {one_line(e)}", file=sys.stderr)
        return 1
    finally:
        if ours and signal.getsignal(signal.SIGINT) is _interrupt:
            signal.signal(signal.SIGINT, previous)
    return 0 if rc is None else int(rc)
