import torch
import torch.nn as nn

m = nn.Module()
p = nn.Parameter(torch.zeros(2))
# register_buffer takes any tensor, an nn.Parameter included: it is then a buffer
m.register_buffer("stat", p)

print("type(m.stat):", type(m.stat).__name__, "requires_grad:", m.stat.requires_grad)
print("named_buffers:", [name for name, _ in m.named_buffers()])
print("named_parameters:", [name for name, _ in m.named_parameters()])
print("state_dict keys:", list(m.state_dict()))
