import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        # register_parameter 대신 속성 대입만 해도 파라미터로 등록된다
        self.w = nn.Parameter(torch.ones(2))
        self.t = torch.ones(2)  # 일반 텐서는 등록되지 않는다


m = Net()
print("_parameters keys:", list(m._parameters))
print("named_parameters:", [name for name, _ in m.named_parameters()])
print("state_dict keys:", list(m.state_dict()))
