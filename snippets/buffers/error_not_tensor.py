import torch.nn as nn

m = nn.Module()
# A value that is not a tensor (or None) cannot be a buffer
m.register_buffer("buf", [0.0, 0.0])
