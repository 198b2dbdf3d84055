import torch
import torch.nn as nn


class Broken(nn.Module):
    def __init__(self):
        # super().__init__() 보다 먼저 버퍼를 등록하면 _buffers가 아직 없다
        self.register_buffer("buf", torch.zeros(2))
        super().__init__()


Broken()
