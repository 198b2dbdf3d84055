import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 2.0  # 이미 있는 일반 속성
        self.register_parameter("scale", nn.Parameter(torch.ones(1)))


Net()
