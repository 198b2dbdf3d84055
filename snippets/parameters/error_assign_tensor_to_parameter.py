import torch
import torch.nn as nn

lin = nn.Linear(2, 2)
lin.weight = nn.Parameter(torch.zeros(2, 2))  # a new Parameter replaces the old one
print("replaced:", torch.equal(lin.weight, torch.zeros(2, 2)))

# A plain tensor assigned to a parameter name is refused (a buffer name would take it)
lin.weight = torch.zeros(2, 2)
