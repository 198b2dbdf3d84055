import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(2))
        self.frozen = nn.Parameter(torch.ones(2), requires_grad=False)  # a parameter, not trained
        self.register_buffer("buf", torch.ones(2))  # a buffer

    def forward(self, x):
        return (x * self.w * self.frozen * self.buf).sum()


m = Net()
opt = torch.optim.SGD(m.parameters(), lr=0.1)
print("optimizer holds:", [n for n, p in m.named_parameters() if any(p is q for q in opt.param_groups[0]["params"])])
print("state_dict keys:", list(m.state_dict()))

m(torch.ones(2)).backward()
opt.step()
for name in ["w", "frozen", "buf"]:
    t = getattr(m, name)
    print(f"{name}: requires_grad={t.requires_grad}, grad is None: {t.grad is None}, "
          f"changed by step(): {not torch.equal(t, torch.ones(2))}")
