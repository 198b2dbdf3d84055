import torch
import torch.nn as nn

m = nn.Module()
m.register_buffer("mean", torch.zeros(2))
m.register_buffer("var", None)  # None is registered too

print("_buffers:", {k: type(v).__name__ for k, v in m._buffers.items()})
print("named_buffers:", [name for name, _ in m.named_buffers()])
print("state_dict keys:", list(m.state_dict()))
print("m.var:", m.var)
