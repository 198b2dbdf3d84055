import torch

print("hasattr(torch, '_six'):", hasattr(torch, "_six"))

# Attribute access looks only in the torch module object's namespace: AttributeError
try:
    torch._six
except AttributeError as error:
    print(f"torch._six -> {type(error).__name__}: {error}")

# An import statement asks the import system for a torch/_six.py file: ModuleNotFoundError
import torch._six  # noqa: E402
