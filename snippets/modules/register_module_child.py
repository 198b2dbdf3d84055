import torch.nn as nn

m = nn.Module()
# The code the post quotes under register_buffer: it registers a submodule
m.register_module("sub", nn.Linear(2, 2))

print("named_children:", [name for name, _ in m.named_children()])
print("_modules keys:", list(m._modules))
print("named_buffers:", [name for name, _ in m.named_buffers()])
print("named_parameters:", [name for name, _ in m.named_parameters()])
