import torch.nn as nn

net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
# Dotted paths, as in named_parameters() / named_buffers() / state_dict()
print("get_parameter('0.weight') is net[0].weight:", net.get_parameter("0.weight") is net[0].weight)
print("get_buffer('1.running_mean') is net[1].running_mean:", net.get_buffer("1.running_mean") is net[1].running_mean)
print("get_submodule('1'):", type(net.get_submodule("1")).__name__)
