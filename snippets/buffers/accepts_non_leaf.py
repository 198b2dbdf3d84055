import torch
import torch.nn as nn

# A non-leaf Parameter (as in branch 8): in-place addition gives it a grad_fn
p = nn.Parameter(torch.zeros(2), requires_grad=False)
p.add_(torch.ones(2, requires_grad=True))
print("is_leaf:", p.is_leaf, "grad_fn:", type(p.grad_fn).__name__)

m = nn.Module()
# register_buffer has no grad_fn check: it registers the non-leaf tensor as is
m.register_buffer("b", p)
m.register_buffer("doubled", torch.ones(2, requires_grad=True) * 2)
print("buffers:", {name: type(t.grad_fn).__name__ for name, t in m.named_buffers()})

# register_parameter refuses the same tensor
m.register_parameter("w", p)
