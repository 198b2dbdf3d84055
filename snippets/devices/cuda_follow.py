# verify: device=cuda
import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.register_buffer("buf", torch.zeros(2))
        self.plain = torch.zeros(2)  # a plain tensor attribute, not registered


def devices(m):
    return {"weight": m.lin.weight.device.type, "buf": m.buf.device.type, "plain": m.plain.device.type}


print(".cuda():", devices(M().cuda()))
print('.to("cuda"):', devices(M().to("cuda")))
