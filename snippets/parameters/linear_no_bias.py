import torch.nn as nn

lin = nn.Linear(2, 3, bias=False)
# Linear registers bias as None: the name exists, but holds no tensor
print("_parameters:", {name: type(p).__name__ for name, p in lin._parameters.items()})
print("lin.bias:", lin.bias)
print("named_parameters:", [name for name, _ in lin.named_parameters()])
print("state_dict keys:", list(lin.state_dict()))
