import torch.nn as nn


class TensorLike:
    """Not a torch.Tensor, but it takes part in torch functions through __torch_function__."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return NotImplemented


m = nn.Module()
# register_buffer accepts a tensor or any object with __torch_function__
m.register_buffer("t", TensorLike())
print("registered:", list(m._buffers), "type:", type(m.t).__name__)

# register_parameter accepts only nn.Parameter (or None)
m.register_parameter("p", TensorLike())
