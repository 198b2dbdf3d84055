import torch
import torch.nn as nn

m = nn.Module()
m.register_parameter("weight", nn.Parameter(torch.zeros(2)))
m.register_parameter("bias", None)  # None is registered too (as nn.Linear(bias=False) does)

print("_parameters:", {k: type(v).__name__ for k, v in m._parameters.items()})
print("named_parameters:", [name for name, _ in m.named_parameters()])
print("state_dict keys:", list(m.state_dict()))
print("m.bias:", m.bias)
