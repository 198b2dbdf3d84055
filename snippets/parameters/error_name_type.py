import torch
import torch.nn as nn

m = nn.Module()
# A name that is not a string is a TypeError (1.13 checked torch._six.string_classes, today str)
m.register_parameter(0, nn.Parameter(torch.zeros(2)))
