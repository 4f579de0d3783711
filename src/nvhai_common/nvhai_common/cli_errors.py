"""The one place where a command line turns a known error into one line on stderr and an exit code.

Known errors are the user's to fix (a bad file, a bad value): they get `prog command: message`
and exit 1, never a traceback. Ctrl-C gets `prog command: interrupted` and exit 130 (128 + SIGINT,
what a shell reports), not a KeyboardInterrupt traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, OSError)
INTERRUPTED = 130


def one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def run_command(prog: str, command: Callable[[], int | None],
                errors: tuple[type[BaseException], ...] = USER_ERRORS) -> int:
    """Run `command()`; its return value (None = 0), 1 for `errors`, 130 for Ctrl-C."""
    try:
        rc = command()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except errors as e:
        print(f"{prog}: {one_line(e)}", file=sys.stderr)
        return 1
    return 0 if rc is None else int(rc)
