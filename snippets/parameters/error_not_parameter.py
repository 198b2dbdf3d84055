import torch
import torch.nn as nn

m = nn.Module()
w = torch.zeros(2, requires_grad=True)
print("type:", type(w).__name__, "requires_grad:", w.requires_grad)
# Not an nn.Parameter: a TypeError, even with requires_grad=True
m.register_parameter("w", w)
