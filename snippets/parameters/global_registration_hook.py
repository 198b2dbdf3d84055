import torch.nn as nn
from torch.nn.modules.module import register_module_parameter_registration_hook


def freeze(module, name, param):
    """Called by every register_parameter (of every module) with a Parameter; may return a replacement."""
    print(f"hook: {type(module).__name__}.{name} {tuple(param.shape)}")
    return nn.Parameter(param.detach(), requires_grad=False)


handle = register_module_parameter_registration_hook(freeze)
lin = nn.Linear(3, 2)  # Linear.__init__ assigns weight and bias: register_parameter runs twice
print("weight.requires_grad:", lin.weight.requires_grad, "bias.requires_grad:", lin.bias.requires_grad)

handle.remove()
print("after remove:", nn.Linear(3, 2).weight.requires_grad)
