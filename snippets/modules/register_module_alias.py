import inspect

import torch
import torch.nn as nn

src = inspect.getsource(nn.Module.register_module)
# The body is a single add_module call
print("doc:", nn.Module.register_module.__doc__.strip())
print("body:", [line.strip() for line in src.splitlines() if "add_module(" in line])

m = nn.Module()
# A tensor raises add_module's TypeError: this does not register a buffer
m.register_module("buf", torch.zeros(2))
