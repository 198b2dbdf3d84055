import difflib
import inspect
import sys
import textwrap
from pathlib import Path

import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # snippets/: 인용 코드가 있는 곳
from _quotes import torch_1_13 as quoted  # noqa: E402


def indentation_only(source):
    """들여쓰기만 맞춘다: def 줄은 왼쪽 끝, 본문은 4칸 (원문은 def 줄의 들여쓰기를 잃은 채 복사됐다)."""
    first, _, rest = source.partition("\n")
    return [first.strip() + "\n", *textwrap.indent(textwrap.dedent(rest), "    ").splitlines(keepends=True)]


old = indentation_only(quoted.section("register_parameter"))
new = indentation_only(inspect.getsource(nn.Module.register_parameter))
diff = list(difflib.unified_diff(old, new, "인용 (torch 1.13)", "설치된 torch"))
print("".join(diff) if diff else "차이 없음", end="" if diff else "\n")
