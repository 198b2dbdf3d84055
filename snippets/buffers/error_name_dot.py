import torch
import torch.nn as nn

m = nn.Module()
# "."은 하위 모듈 경로 구분자라서 이름에 쓸 수 없다
m.register_buffer("stats.mean", torch.zeros(2))
