"""One line instead of a 34-line traceback when another process holds a DuckDB file's write lock.

Why: `registry stats` or `build` while a crawl writes staging used to print DuckDB's lock error inside a
traceback. DuckDB's message names the holder's PID; this module turns it into what a user needs: the file,
the process (its command line, read from /proc where there is one) and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

_LOCK = re.compile(r'Could not set lock on file "(?P<file>[^"]+)".*?\(PID (?P<pid>\d+)\)', re.S)


def holder(pid: int) -> str:
    """The command line of a process, shortened; 'process <pid>' when it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return f"process {pid}"
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    names = [Path(words[0]).name] + words[1:] if words else []
    text = " ".join(names)
    return f"process {pid} ({text[:120]})" if text else f"process {pid}"


def is_lock_error(error: BaseException) -> bool:
    return "Could not set lock on file" in str(error)


def locked_line(error: BaseException) -> str:
    """'<file> is in use by process 123 (registry crawl usaspending ...): ...' or the error's first line."""
    m = _LOCK.search(str(error))
    if not m:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (f"{m['file']} is in use by {holder(int(m['pid']))}: wait until it finishes (or stop it), "
            "then run this again")
