import torch
import torch.nn as nn

p = nn.Parameter(torch.ones(2))
q = p * 2  # computed from a Parameter: it has a grad_fn, but it is a plain Tensor
print("type:", type(q).__name__, "grad_fn:", type(q.grad_fn).__name__)

m = nn.Module()
# So it is stopped by the "not a Parameter" check (branch 7), before the grad_fn check (branch 8)
m.register_parameter("w", q)
