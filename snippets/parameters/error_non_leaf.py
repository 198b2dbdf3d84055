import torch
import torch.nn as nn

# requires_grad=False 인 Parameter에 grad가 필요한 텐서를 in-place로 더하면
# Parameter 타입은 그대로인데 grad_fn이 생긴다 (비-leaf Parameter)
p = nn.Parameter(torch.zeros(2), requires_grad=False)
p.add_(torch.ones(2, requires_grad=True))
print("type:", type(p).__name__)
print("is_leaf:", p.is_leaf, "grad_fn:", type(p.grad_fn).__name__)

m = nn.Module()
m.register_parameter("w", p)
