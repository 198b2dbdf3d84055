"""The code the 2022 post quotes (torch 1.13), byte for byte as the post shows it.

Not a snippet (the folder name starts with ``_``): the post includes the marked sections
into its ``quote="torch 1.13"`` fences, and the snippets in ``snippets/quotes/`` parse
and run these exact lines against the installed torch. The indentation is the post's
own (its copy lost the ``def`` line's class indentation); keep it, and do not reformat.
The imports below only make the quoted definitions importable; they are not quoted.
"""

from pathlib import Path
from typing import Optional

import torch
from torch.nn import Module, Parameter  # noqa: F401 - names the quoted code uses

# --8<-- [start:register_module]
def register_module(self, name : str, module : Optional["Module"]) -> None:
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
    """The quoted lines between ``# --8<-- [start:<name>]`` and ``[end:<name>]``: what the page shows."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[lines.index(f"# --8<-- [start:{name}]\n") + 1:lines.index(f"# --8<-- [end:{name}]\n")])
