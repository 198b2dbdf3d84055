import torch
import torch.nn as nn


class Cache(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("saved", torch.zeros(2))
        # persistent=False: a buffer that state_dict() leaves out
        self.register_buffer("scratch", torch.zeros(2), persistent=False)


m = Cache()
print("state_dict keys:", list(m.state_dict()))
print("named_buffers:", [name for name, _ in m.named_buffers()])
print("buffers() count:", len(list(m.buffers())))
