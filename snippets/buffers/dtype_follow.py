import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.register_buffer("buf", torch.zeros(2))
        self.plain = torch.zeros(2)  # a plain tensor attribute, not registered


def dtypes(m):
    return {"weight": m.lin.weight.dtype, "buf": m.buf.dtype, "plain": m.plain.dtype}


print(".double():", dtypes(M().double()))
print(".to(torch.float16):", dtypes(M().to(torch.float16)))
