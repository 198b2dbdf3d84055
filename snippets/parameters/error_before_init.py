import torch
import torch.nn as nn


class Broken(nn.Module):
    def __init__(self):
        # Before super().__init__(), _parameters does not exist yet
        self.register_parameter("w", nn.Parameter(torch.zeros(2)))
        super().__init__()


Broken()
