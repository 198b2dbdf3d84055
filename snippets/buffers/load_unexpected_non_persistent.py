import torch
import torch.nn as nn


class Cache(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("saved", torch.zeros(2))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)


checkpoint = {"saved": torch.zeros(2), "scratch": torch.zeros(2)}  # e.g. from a model that saved scratch
# A non-persistent buffer is not part of state_dict, so its key is unexpected
Cache().load_state_dict(checkpoint)
