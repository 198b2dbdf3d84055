import torch.nn as nn

m = nn.Module()
# 원문의 register_buffer 절에 인용된 코드: 실제로는 하위 모듈을 등록한다
m.register_module("sub", nn.Linear(2, 2))

print("named_children:", [name for name, _ in m.named_children()])
print("_modules keys:", list(m._modules))
print("named_buffers:", [name for name, _ in m.named_buffers()])
print("named_parameters:", [name for name, _ in m.named_parameters()])
