import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        # Assigning an nn.Buffer attribute registers a buffer, without calling register_buffer
        self.mean = nn.Buffer(torch.zeros(2))
        self.tmp = nn.Buffer(torch.zeros(2), persistent=False)


m = Net()
print("nn.Buffer exists:", hasattr(nn, "Buffer"))
print("_buffers keys:", list(m._buffers))
print("state_dict keys:", list(m.state_dict()))
print("type(m.mean):", type(m.mean).__name__)
