import torch
import torch.nn as nn

m = nn.Module()
# 이름이 문자열이 아니면 TypeError
m.register_buffer(0, torch.zeros(2))
