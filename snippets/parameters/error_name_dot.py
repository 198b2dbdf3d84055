import torch
import torch.nn as nn

m = nn.Module()
# "." separates submodules in a path, so a name cannot contain it
m.register_parameter("layer.weight", nn.Parameter(torch.zeros(2)))
