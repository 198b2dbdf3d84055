"""torch 1.13.1's own source of the two methods the post quotes, byte for byte.

Copied from torch 1.13.1's ``torch/nn/modules/module.py`` (the ``torch==1.13.1`` wheel on
PyPI; ``register_parameter`` is lines 391-431 and ``register_module`` lines 457-459 of that
file), with the class indentation it has there. PyTorch is distributed under the BSD-3-Clause
license: https://github.com/pytorch/pytorch/blob/v1.13.1/LICENSE

Not a snippet (the folder name starts with ``_``). ``torch_1_13.py`` beside it holds what
the 2022 post shows; snippets compare the two (what the post's author changed when copying)
and compare this file with the installed torch (what torch changed since 1.13.1), on any
installed torch. Keep it byte for byte; the class below only makes the copied methods
importable and is not part of the copy.
"""

from pathlib import Path
from typing import Optional

import torch
from torch.nn import Parameter  # noqa: F401 - a name the copied code uses


class Module:
    """Holder for the copied methods (torch 1.13.1's ``Module`` has many more)."""

# --8<-- [start:register_module]
    def register_module(self, name: str, module: Optional['Module']) -> None:
        r"""Alias for :func:`add_module`."""
        self.add_module(name, module)
# --8<-- [end:register_module]

# --8<-- [start:register_parameter]
    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        r"""Adds a parameter to the module.

        The parameter can be accessed as an attribute using given name.

        Args:
            name (str): name of the parameter. The parameter can be accessed
                from this module using the given name
            param (Parameter or None): parameter to be added to the module. If
                ``None``, then operations that run on parameters, such as :attr:`cuda`,
                are ignored. If ``None``, the parameter is **not** included in the
                module's :attr:`state_dict`.
        """
        if '_parameters' not in self.__dict__:
            raise AttributeError(
                "cannot assign parameter before Module.__init__() call")

        elif not isinstance(name, torch._six.string_classes):
            raise TypeError("parameter name should be a string. "
                            "Got {}".format(torch.typename(name)))
        elif '.' in name:
            raise KeyError("parameter name can't contain \".\"")
        elif name == '':
            raise KeyError("parameter name can't be empty string \"\"")
        elif hasattr(self, name) and name not in self._parameters:
            raise KeyError("attribute '{}' already exists".format(name))

        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError("cannot assign '{}' object to parameter '{}' "
                            "(torch.nn.Parameter or None required)"
                            .format(torch.typename(param), name))
        elif param.grad_fn:
            raise ValueError(
                "Cannot assign non-leaf Tensor to parameter '{0}'. Model "
                "parameters must be created explicitly. To express '{0}' "
                "as a function of another Tensor, compute the value in "
                "the forward() method.".format(name))
        else:
            self._parameters[name] = param
# --8<-- [end:register_parameter]


def section(name: str) -> str:
    """The copied lines between ``# --8<-- [start:<name>]`` and ``[end:<name>]``, as in module.py."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[lines.index(f"# --8<-- [start:{name}]\n") + 1:lines.index(f"# --8<-- [end:{name}]\n")])
