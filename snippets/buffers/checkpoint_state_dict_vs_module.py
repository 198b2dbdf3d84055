import io

import torch
import torch.nn as nn


class Cache(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("saved", torch.zeros(2))
        self.register_buffer("scratch", torch.ones(2), persistent=False)


def save_and_load(obj):
    """torch.save into memory, then torch.load back (weights_only=False: a pickled module needs it)."""
    f = io.BytesIO()
    torch.save(obj, f)
    f.seek(0)
    return torch.load(f, weights_only=False)


# A state_dict checkpoint: the non-persistent buffer is not in it
print("torch.save(m.state_dict()):", list(save_and_load(Cache().state_dict())))
# torch.save(m) pickles the whole module object, non-persistent buffers included
loaded = save_and_load(Cache())
print("torch.save(m) buffers:", [name for name, _ in loaded.named_buffers()])
print("scratch restored:", torch.equal(loaded.scratch, torch.ones(2)))
