import torch
import torch.nn as nn

x = torch.ones(2, requires_grad=True)

# nn.Parameter(...)로 감싸면 계산 결과라도 항상 leaf (grad_fn 없음)
p = nn.Parameter(x * 2)
print("Parameter(x * 2): is_leaf =", p.is_leaf, "grad_fn =", p.grad_fn)

# Parameter로 계산한 결과는 grad_fn이 있지만 더 이상 Parameter가 아니다
q = p * 2
print("p * 2: type =", type(q).__name__, "is Parameter =", isinstance(q, nn.Parameter))
