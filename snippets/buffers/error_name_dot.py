import torch
import torch.nn as nn

m = nn.Module()
# "." separates submodules in a path, so a name cannot contain it
m.register_buffer("stats.mean", torch.zeros(2))
