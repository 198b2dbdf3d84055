import difflib
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # snippets/: where the quoted code lives
from _quotes import torch_1_13 as quoted  # noqa: E402  (what the 2022 post shows)
from _quotes import torch_1_13_1 as real  # noqa: E402  (torch 1.13.1's own source, copied)


def indentation_only(source):
    """Align indentation only: the def line at column 0, the body at 4 (the post lost the def line's indentation)."""
    first, _, rest = source.partition("\n")
    return [first.strip() + "\n", *textwrap.indent(textwrap.dedent(rest), "    ").splitlines(keepends=True)]


old = indentation_only(quoted.section("register_parameter"))
new = indentation_only(real.section("register_parameter"))
diff = list(difflib.unified_diff(old, new, "quote (the 2022 post)", "torch 1.13.1"))
print("".join(diff) if diff else "no difference", end="" if diff else "\n")
