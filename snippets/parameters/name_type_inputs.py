import torch
import torch.nn as nn

# torch 1.13.1 checked names with isinstance(name, torch._six.string_classes)
six = getattr(torch, "_six", None)
print("torch._six.string_classes:", six.string_classes if six else "(no torch._six)")

# Names that are not str, one at a time: which error does register_parameter raise?
for name in [0, None, b"w"]:
    try:
        nn.Module().register_parameter(name, None)
    except Exception as error:
        print(f"{name!r:5} -> {type(error).__name__}: {error}")
