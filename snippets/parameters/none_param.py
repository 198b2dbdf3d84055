import torch
import torch.nn as nn

m = nn.Module()
m.register_parameter("weight", nn.Parameter(torch.zeros(2)))
m.register_parameter("bias", None)  # None도 등록은 된다 (예: nn.Linear(bias=False))

print("_parameters:", {k: type(v).__name__ for k, v in m._parameters.items()})
print("named_parameters:", [name for name, _ in m.named_parameters()])
print("state_dict keys:", list(m.state_dict()))
print("m.bias:", m.bias)
