import copy

import torch
import torch.nn as nn


class Cache(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("saved", torch.zeros(2))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)


m = Cache()
c = copy.deepcopy(m)
print("named_buffers:", [name for name, _ in c.named_buffers()])
print("state_dict keys:", list(c.state_dict()))  # scratch is still non-persistent
print("non-persistent:", sorted(c._non_persistent_buffers_set))
c.saved.add_(1)  # the copy has its own tensors
print("original saved changed:", not torch.equal(m.saved, torch.zeros(2)))
