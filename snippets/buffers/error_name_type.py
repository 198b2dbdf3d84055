import torch
import torch.nn as nn

m = nn.Module()
# A name that is not a string is a TypeError
m.register_buffer(0, torch.zeros(2))
