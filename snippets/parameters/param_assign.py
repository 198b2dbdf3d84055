import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        # Assigning an attribute registers a parameter, without calling register_parameter
        self.w = nn.Parameter(torch.ones(2))
        self.t = torch.ones(2)  # a plain tensor is not registered


m = Net()
print("_parameters keys:", list(m._parameters))
print("named_parameters:", [name for name, _ in m.named_parameters()])
print("state_dict keys:", list(m.state_dict()))
