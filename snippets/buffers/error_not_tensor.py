import torch.nn as nn

m = nn.Module()
# 텐서(또는 None)가 아닌 값은 버퍼로 등록할 수 없다
m.register_buffer("buf", [0.0, 0.0])
