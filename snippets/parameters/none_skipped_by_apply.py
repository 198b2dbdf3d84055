# verify: device=meta
import torch
import torch.nn as nn

m = nn.Module()
m.register_parameter("weight", nn.Parameter(torch.zeros(2)))
m.register_parameter("bias", None)  # a parameter name with no tensor

# Operations that run on every parameter skip None: the docstring names .cuda(), run here are
# .double() and .to(device), which go through the same Module._apply
m.double()
print("after .double():", {name: None if p is None else p.dtype for name, p in m._parameters.items()})
m.to("meta")
print('after .to("meta"):', {name: None if p is None else p.device.type for name, p in m._parameters.items()})
