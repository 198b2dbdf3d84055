import torch
import torch.nn as nn

x = torch.ones(2, requires_grad=True)

# Wrapping in nn.Parameter(...) always makes a leaf (no grad_fn), even around a computed value
p = nn.Parameter(x * 2)
print("Parameter(x * 2): is_leaf =", p.is_leaf, "grad_fn =", p.grad_fn)

# A value computed from a Parameter has a grad_fn but is no longer a Parameter
q = p * 2
print("p * 2: type =", type(q).__name__, "is Parameter =", isinstance(q, nn.Parameter))
