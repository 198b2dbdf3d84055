import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.register_buffer("running_mean", torch.zeros(2))


m = Net()
# Buffers are not in parameters()
print("named_parameters:", [name for name, _ in m.named_parameters()])
print("named_buffers:", [name for name, _ in m.named_buffers()])
