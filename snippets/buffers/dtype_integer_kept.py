import torch
import torch.nn as nn


def dtypes(bn):
    tensors = {"weight": bn.weight, **dict(bn.named_buffers())}
    return " ".join(f"{name}={str(t.dtype).removeprefix('torch.')}" for name, t in tensors.items())


# BatchNorm keeps an integer buffer, num_batches_tracked, next to its floating-point ones
print("as built:          ", dtypes(nn.BatchNorm1d(2)))
# .double() and .to(dtype) convert the floating-point parameters and buffers only
print(".double():         ", dtypes(nn.BatchNorm1d(2).double()))
print(".to(torch.float16):", dtypes(nn.BatchNorm1d(2).to(torch.float16)))
