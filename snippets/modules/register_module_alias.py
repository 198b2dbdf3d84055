import inspect

import torch
import torch.nn as nn

src = inspect.getsource(nn.Module.register_module)
# 본문은 add_module 호출 한 줄뿐이다
print("doc:", nn.Module.register_module.__doc__.strip())
print("body:", [line.strip() for line in src.splitlines() if "add_module(" in line])

m = nn.Module()
# 텐서를 넘기면 add_module의 TypeError가 난다 (버퍼 등록이 아니다)
m.register_module("buf", torch.zeros(2))
