import torch
import torch.nn as nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)
        self.register_buffer("offset", torch.ones(1))

    def forward(self, x):
        return self.lin(x) + self.offset


m = Net()
opt = torch.optim.SGD(m.parameters(), lr=0.1)
before = {name: t.detach().clone() for name, t in m.state_dict().items()}
m(torch.ones(1, 2)).sum().backward()
opt.step()  # the optimizer updates only what parameters() gave it

for name, t in m.state_dict().items():
    print(f"{name} changed:", not torch.equal(t, before[name]))
