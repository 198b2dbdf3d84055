import torch
import torch.nn as nn


class Broken(nn.Module):
    def __init__(self):
        # Before super().__init__(), _buffers does not exist yet
        self.register_buffer("buf", torch.zeros(2))
        super().__init__()


Broken()
