import torch
import torch.nn as nn

m = nn.Module()
# 이름이 문자열이 아니면 TypeError (1.13의 torch._six.string_classes 검사가 지금은 str 검사)
m.register_parameter(0, nn.Parameter(torch.zeros(2)))
