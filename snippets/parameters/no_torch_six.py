import torch

# 1.13 소스가 쓰던 torch._six는 torch 2.0에서 제거되었다
print("hasattr(torch, '_six'):", hasattr(torch, "_six"))
import torch._six  # noqa: E402
