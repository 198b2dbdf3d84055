import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("scratch", torch.zeros(2), persistent=False)


m = Net()
m.scratch = torch.ones(2)  # a plain tensor assigned to an existing buffer name
print("still a buffer:", "scratch" in m._buffers, "value:", m.scratch.tolist())
print("still non-persistent:", "scratch" not in m.state_dict())
