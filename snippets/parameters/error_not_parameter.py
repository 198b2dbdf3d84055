import torch
import torch.nn as nn

m = nn.Module()
w = torch.zeros(2, requires_grad=True)
print("type:", type(w).__name__, "requires_grad:", w.requires_grad)
# requires_grad=True여도 nn.Parameter가 아니면 TypeError
m.register_parameter("w", w)
