import inspect

import torch.nn as nn

src = inspect.getsource(nn.Module.register_parameter)
# 이름 타입을 검사하는 줄만 출력
for line in src.splitlines():
    if "isinstance(name" in line:
        print(line.strip())
print("'_six' in source:", "_six" in src)
