import torch
import torch.nn as nn


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        # a buffer registered with the default persistent=True
        self.register_buffer("steps", torch.zeros(1))


m = Counter()
print("state_dict keys:", list(m.state_dict()))
print("steps in state_dict:", "steps" in m.state_dict())
