import torch
import torch.nn as nn

m = nn.Module()
p = nn.Parameter(torch.ones(2))
# register_parameter adds a parameter under the given name
m.register_parameter("scale", p)

print("m.scale is p:", m.scale is p)  # reachable as an attribute by that name
print("named_parameters:", [name for name, _ in m.named_parameters()])
print("state_dict keys:", list(m.state_dict()))
