import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)  # a submodule
        self.register_buffer("running_mean", torch.zeros(2))  # a buffer


m = Net()
print("named_children:", [name for name, _ in m.named_children()])
print("named_buffers:", [name for name, _ in m.named_buffers()])
print("type(m.running_mean):", type(m.running_mean).__name__)
print("isinstance(m.running_mean, nn.Module):", isinstance(m.running_mean, nn.Module))
