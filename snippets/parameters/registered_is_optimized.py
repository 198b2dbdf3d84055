import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("scale", nn.Parameter(torch.ones(2)))

    def forward(self, x):
        return x * self.scale


m = Scale()
opt = torch.optim.SGD(m.parameters(), lr=0.5)  # parameters() yields the registered 'scale'
print("optimizer holds scale:", opt.param_groups[0]["params"][0] is m.scale)

m(torch.ones(2)).sum().backward()  # d(sum)/d(scale) = 1 for each element
opt.step()  # scale <- scale - 0.5 * 1
print("scale after step():", m.scale.tolist())
