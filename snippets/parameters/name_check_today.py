import inspect

import torch.nn as nn

src = inspect.getsource(nn.Module.register_parameter)
# Print only the line that checks the name's type
for line in src.splitlines():
    if "isinstance(name" in line:
        print(line.strip())
print("'_six' in source:", "_six" in src)
