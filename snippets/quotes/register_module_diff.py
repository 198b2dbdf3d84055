import difflib
import inspect
import sys
import textwrap
from pathlib import Path

import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # snippets/: where the quoted code lives
from _quotes import torch_1_13_1 as real  # noqa: E402  (torch 1.13.1's own source, copied)


def indentation_only(source):
    """Align indentation only: the def line at column 0, the body at 4."""
    first, _, rest = source.partition("\n")
    return [first.strip() + "\n", *textwrap.indent(textwrap.dedent(rest), "    ").splitlines(keepends=True)]


old = indentation_only(real.section("register_module"))
new = indentation_only(inspect.getsource(nn.Module.register_module))
diff = list(difflib.unified_diff(old, new, "torch 1.13.1", "installed torch"))
print("".join(diff) if diff else "no difference", end="" if diff else "\n")
