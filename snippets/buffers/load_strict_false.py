import torch
import torch.nn as nn


class Cache(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("saved", torch.zeros(2))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)
        self.register_buffer("steps", torch.zeros(1))


checkpoint = {"saved": torch.ones(2), "scratch": torch.ones(2)}  # no "steps"; a "scratch" key
m = Cache()
result = m.load_state_dict(checkpoint, strict=False)  # loads what matches, reports the rest
print("missing_keys:", result.missing_keys)
print("unexpected_keys:", result.unexpected_keys)
print("saved loaded:", torch.equal(m.saved, torch.ones(2)), "scratch loaded:", torch.equal(m.scratch, torch.ones(2)))
