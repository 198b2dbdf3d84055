import torch
import torch.nn as nn

m = nn.Module()
# 빈 문자열 이름은 KeyError
m.register_parameter("", nn.Parameter(torch.zeros(2)))
