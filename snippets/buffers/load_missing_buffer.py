import torch
import torch.nn as nn


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.register_buffer("steps", torch.zeros(1))  # persistent: part of state_dict


checkpoint = Counter().state_dict()
del checkpoint["steps"]  # e.g. saved before the buffer was added to the model
print("checkpoint keys:", list(checkpoint))

# load_state_dict is strict by default: a missing persistent buffer is an error
Counter().load_state_dict(checkpoint)
