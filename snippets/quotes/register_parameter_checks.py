import ast
import inspect
import sys
import textwrap
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # snippets/: where the quoted code lives
from _quotes import torch_1_13 as quoted  # noqa: E402

# For each raise in the quoted 1.13 source: (the if/elif condition leading to it, the exception), in source order.
old_src = quoted.section("register_parameter")
checks = sorted(((node.test, stmt.exc) for node in ast.walk(ast.parse(old_src)) if isinstance(node, ast.If)
                 for stmt in node.body if isinstance(stmt, ast.Raise)), key=lambda check: check[0].lineno)

# The installed torch's source, parsed so the line that raised leads back to its raise's condition.
today_lines, today_start = inspect.getsourcelines(nn.Module.register_parameter)
today_src = textwrap.dedent("".join(today_lines))
today_tree = ast.parse(today_src)


def today_condition(error):
    """The line in register_parameter that raised error -> the if/elif condition leading to that raise."""
    tb = error.__traceback__
    while tb.tb_next is not None and tb.tb_frame.f_code is not nn.Module.register_parameter.__code__:
        tb = tb.tb_next
    line = tb.tb_lineno - today_start + 1
    for node in ast.walk(today_tree):
        if isinstance(node, ast.If):
            for stmt in node.body:
                if isinstance(stmt, ast.Raise) and stmt.lineno <= line <= stmt.end_lineno:
                    return node.test
    return None


def shown(error):
    return f"{type(error).__name__}: {error}"


def evaluate(node, scope):
    return eval(compile(ast.Expression(node), "<torch 1.13>", "eval"), scope)


def non_leaf_parameter():
    p = nn.Parameter(torch.zeros(1), requires_grad=False)
    p.add_(torch.ones(1, requires_grad=True))  # a Parameter that now has a grad_fn
    return p


# An input that enters each check (self, name, param), in the quoted raises' order.
triggers = [
    (nn.Module.__new__(nn.Module), "w", None),  # before Module.__init__()
    (nn.Module(), 1, None),  # a name that is not a string
    (nn.Module(), "a.w", None),
    (nn.Module(), "", None),
    (nn.Module(), "training", None),  # an attribute that already exists
    (nn.Module(), "w", torch.zeros(1)),  # a tensor that is not a Parameter
    (nn.Module(), "w", non_leaf_parameter()),
]
assert len(triggers) == len(checks)

print(f"{'#':<2} {'raise':<15} {'condition':<10} {'message':<10} 1.13 condition")
notes = []
for number, ((test, exc), (self, name, param)) in enumerate(zip(checks, triggers), start=1):
    scope = {"self": self, "name": name, "param": param, "torch": torch, "Parameter": nn.Parameter}
    expected = evaluate(exc, scope)  # the exception 1.13's raise builds for this input

    # 1) Evaluate the quoted condition as is on the installed torch: gone if a name it uses no longer exists.
    try:
        reached, broken = bool(evaluate(test, scope)), None
    except Exception as error:
        reached, broken = False, error
    # 2) Run the installed torch's register_parameter on the same input.
    try:
        nn.Module.register_parameter(self, name, param)
        actual = now = None
    except Exception as error:
        actual, now = error, today_condition(error)

    # 3) Compare: same / changed / gone, with the differences below the table.
    if actual is None:
        condition = message = "gone"
        notes.append(f"[{number}] today: no error for this input")
    else:
        now_text = ast.get_source_segment(today_src, now) if now is not None else "?"
        if broken is not None:
            condition = "gone"
            notes.append(f"[{number}] 1.13 condition fails today: {shown(broken)}")
            notes.append(f"[{number}] today's check: {now_text}")
        elif now is not None and ast.dump(now) == ast.dump(test) and reached:
            condition = "same"
        else:
            condition = "changed"
            notes.append(f"[{number}] today's check: {now_text}")
        message = "same" if shown(actual) == shown(expected) else "changed"
        if message == "changed":
            notes.append(f"[{number}] 1.13:  {shown(expected)}")
            notes.append(f"[{number}] today: {shown(actual)}")
    print(f"{number:<2} {type(expected).__name__:<15} {condition:<10} {message:<10} {ast.get_source_segment(old_src, test)}")
for note in notes:
    print(note)

# And the quoted function itself, run as is on the installed torch?
try:
    quoted.register_parameter(nn.Module(), "w", nn.Parameter(torch.zeros(1)))
    print("1.13 code as quoted, run here: registers 'w'")
except Exception as error:
    print(f"1.13 code as quoted, run here: {shown(error)}")
