import ast
import inspect
import sys
import textwrap
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # snippets/: where the quoted code lives
from _quotes import torch_1_13 as quoted  # noqa: E402  (what the 2022 post shows)
from _quotes import torch_1_13_1 as real  # noqa: E402  (torch 1.13.1's own source, copied)

old = ast.parse(quoted.section("register_module")).body[0]
now = ast.parse(textwrap.dedent(inspect.getsource(nn.Module.register_module))).body[0]


def body(function):
    """The body statements, without the docstring."""
    statements = function.body
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]
    return statements


def status(a, b):
    return "same" if ast.dump(a) == ast.dump(b) else f"changed: {ast.unparse(b)}"


print("signature:", status(old.args, now.args))
old_body, now_body = body(old), body(now)
for number, statement in enumerate(old_body, start=1):
    match = status(statement, now_body[number - 1]) if number <= len(now_body) else "gone"
    print(f"statement {number}: {match:<6} {ast.unparse(statement)}")
for extra in now_body[len(old_body):]:
    print(f"new today: {ast.unparse(extra)}")
# The quote has no docstring; torch 1.13.1 had one already (the post's author left it out).
real_1_13_1 = ast.parse(textwrap.dedent(real.section("register_module"))).body[0]
print(f"docstring: quote {ast.get_docstring(old)!r}")
print(f"           torch 1.13.1 {ast.get_docstring(real_1_13_1)!r}")
print(f"           installed {ast.get_docstring(now)!r}")


# Run the quoted function and the installed torch's on the same inputs and compare.
def run(function, value):
    m = nn.Module()
    try:
        function(m, "child", value)
        return f"_modules: {list(m._modules)}"
    except Exception as error:
        return f"{type(error).__name__}: {error}"


for label, value in [("a module", nn.Linear(1, 1)), ("a tensor", torch.zeros(1))]:
    a, b = run(quoted.register_module, value), run(nn.Module.register_module, value)
    print(f"run with {label}: {'same' if a == b else 'changed'} ({b})")
