import ast
import inspect
import sys
import textwrap
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # snippets/: 인용 코드가 있는 곳
from _quotes import torch_1_13 as quoted  # noqa: E402

# 인용된 1.13 소스에서 raise마다 (그 raise에 이르는 if/elif 조건, 예외 식)을 소스 순서대로 뽑는다.
old_src = quoted.section("register_parameter")
checks = sorted(((node.test, stmt.exc) for node in ast.walk(ast.parse(old_src)) if isinstance(node, ast.If)
                 for stmt in node.body if isinstance(stmt, ast.Raise)), key=lambda check: check[0].lineno)

# 설치된 torch의 소스: 예외가 난 줄에서 그 raise의 조건을 찾을 수 있게 파싱해 둔다.
today_lines, today_start = inspect.getsourcelines(nn.Module.register_parameter)
today_src = textwrap.dedent("".join(today_lines))
today_tree = ast.parse(today_src)


def today_condition(error):
    """error가 난 register_parameter 안의 줄 → 그 줄의 raise에 이르는 if/elif 조건."""
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
    p.add_(torch.ones(1, requires_grad=True))  # grad_fn이 생긴 Parameter
    return p


# 각 검사에 닿는 입력 (self, name, param), 인용된 raise 순서대로.
triggers = [
    (nn.Module.__new__(nn.Module), "w", None),  # Module.__init__() 전
    (nn.Module(), 1, None),  # 문자열이 아닌 이름
    (nn.Module(), "a.w", None),
    (nn.Module(), "", None),
    (nn.Module(), "training", None),  # 이미 있는 속성
    (nn.Module(), "w", torch.zeros(1)),  # Parameter가 아닌 텐서
    (nn.Module(), "w", non_leaf_parameter()),
]
assert len(triggers) == len(checks)

print(f"{'#':<2} {'raise':<15} {'condition':<10} {'message':<10} 1.13 condition")
notes = []
for number, ((test, exc), (self, name, param)) in enumerate(zip(checks, triggers), start=1):
    scope = {"self": self, "name": name, "param": param, "torch": torch, "Parameter": nn.Parameter}
    expected = evaluate(exc, scope)  # 1.13의 raise가 이 입력으로 만들 예외

    # 1) 인용된 조건을 설치된 torch에서 그대로 평가한다: 쓰는 이름이 없어졌으면 gone.
    try:
        reached, broken = bool(evaluate(test, scope)), None
    except Exception as error:
        reached, broken = False, error
    # 2) 같은 입력으로 설치된 torch의 register_parameter를 실행한다.
    try:
        nn.Module.register_parameter(self, name, param)
        actual = now = None
    except Exception as error:
        actual, now = error, today_condition(error)

    # 3) 비교한다: same / changed / gone, 다른 점은 표 아래에.
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

# 인용된 함수 자체를 설치된 torch에서 그대로 실행하면?
try:
    quoted.register_parameter(nn.Module(), "w", nn.Parameter(torch.zeros(1)))
    print("1.13 code as quoted, run here: registers 'w'")
except Exception as error:
    print(f"1.13 code as quoted, run here: {shown(error)}")
