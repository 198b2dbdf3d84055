import torch
import torch.nn as nn

m = nn.Module()
# An empty name is a KeyError
m.register_buffer("", torch.zeros(2))
