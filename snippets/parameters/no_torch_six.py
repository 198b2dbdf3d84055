import torch

# torch._six, which the 1.13 source used, is gone from the installed torch
print("hasattr(torch, '_six'):", hasattr(torch, "_six"))
import torch._six  # noqa: E402
