import torch
import torch.nn as nn

# Adding a tensor that requires grad in place to a Parameter with requires_grad=False
# keeps the Parameter type but gives it a grad_fn (a non-leaf Parameter)
p = nn.Parameter(torch.zeros(2), requires_grad=False)
p.add_(torch.ones(2, requires_grad=True))
print("type:", type(p).__name__)
print("is_leaf:", p.is_leaf, "grad_fn:", type(p.grad_fn).__name__)

m = nn.Module()
m.register_parameter("w", p)
