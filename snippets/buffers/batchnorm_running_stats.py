import torch
import torch.nn as nn

torch.manual_seed(0)
bn = nn.BatchNorm1d(2)
x = torch.randn(8, 2) + 3  # a batch whose mean is far from the initial running_mean (0)


def stats():
    return bn.running_mean.clone(), bn.num_batches_tracked.item()


before = stats()
bn.train()
with torch.no_grad():  # no gradients, no optimizer: forward() alone updates the buffers
    bn(x)
after_train = stats()
print("train(): running_mean changed:", not torch.equal(before[0], after_train[0]),
      "num_batches_tracked:", before[1], "->", after_train[1])

bn.eval()
bn(x)  # in eval mode forward() uses the running statistics and leaves them alone
after_eval = stats()
print("eval():  running_mean changed:", not torch.equal(after_train[0], after_eval[0]),
      "num_batches_tracked:", after_train[1], "->", after_eval[1])
