import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 2.0  # an existing plain attribute
        self.register_buffer("scale", torch.ones(1))


Net()
