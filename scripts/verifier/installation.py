"""Where this interpreter's installed packages live: what tells an installed module from the project's own.

Two readers need the same folders: the runner, which keys the cache on the distributions a
snippet imported from them, and the normalizer, which masks them in output as
``<site-packages>``. Both take them from here, so a folder one of them knows the other knows.
"""

from __future__ import annotations

import functools
import site
import sysconfig
from pathlib import Path


@functools.cache
def site_packages() -> tuple[str, ...]:
    """Every site-packages folder of this interpreter (system, user, virtual environment), without a trailing separator.

    Found once: ``sysconfig`` builds its paths from scratch each time it is asked, and a fork
    server asks before it forks, so no child pays for it (or copies the pages it would write).
    """
    paths = sysconfig.get_paths()
    return tuple(sorted({str(Path(folder)) for folder in (*site.getsitepackages(), site.getusersitepackages(),
                                                          paths["purelib"], paths["platlib"])}))


@functools.cache
def standard_library() -> str:
    """The folder of Python's own modules."""
    return str(Path(sysconfig.get_paths()["stdlib"]))
