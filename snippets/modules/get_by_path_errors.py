import torch.nn as nn

net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
# Each getter checks what the name holds; every mistake is an AttributeError
for getter, path in [("get_buffer", "0.weight"), ("get_parameter", "1.running_mean"), ("get_parameter", "0.scale")]:
    try:
        getattr(net, getter)(path)
    except AttributeError as error:
        print(f"{getter}({path!r}) -> AttributeError: {error}")

# A path through a submodule that does not exist
net.get_buffer("2.running_mean")
