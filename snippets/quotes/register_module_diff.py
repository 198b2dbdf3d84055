import difflib
import inspect
import sys
import textwrap
from pathlib import Path

import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # snippets/: where the quoted code lives
from _quotes import torch_1_13 as quoted  # noqa: E402


def indentation_only(source):
    """Align indentation only: the def line at column 0, the body at 4 (the post lost the def line's indentation)."""
    first, _, rest = source.partition("\n")
    return [first.strip() + "\n", *textwrap.indent(textwrap.dedent(rest), "    ").splitlines(keepends=True)]


old = indentation_only(quoted.section("register_module"))
new = indentation_only(inspect.getsource(nn.Module.register_module))
diff = list(difflib.unified_diff(old, new, "인용 (torch 1.13)", "설치된 torch"))
print("".join(diff) if diff else "차이 없음", end="" if diff else "\n")
