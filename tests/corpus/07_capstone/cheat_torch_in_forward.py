# Cheat: the constructor is NumPy (torch's ValueErrors, U(-bound, bound) init), but forward imports torch and lets
# nn.Conv1d compute. The judge's answer process refuses the import (ForbiddenRoutine) at the first forward call:
# every cell that calls forward scores 0, the errors cell too (torch would raise the right RuntimeErrors, but the
# import fails first); the cells that only build layers (signature/weight, default init) keep their points.
# expect: test_predict=1 test_signature_weight=1 test_default_init=1
# %% answer predict_answer
predicted_shape = (4, 14)
# %% answer conv1d_answer
import numpy as np


def as_int(v):
    """torch takes 3 or (3,) for one spatial axis."""
    if isinstance(v, (tuple, list)):
        return v[0]
    return v


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        kernel_size = as_int(kernel_size)
        stride = as_int(stride)
        dilation = as_int(dilation)
        if not isinstance(padding, str):
            padding = as_int(padding)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ('same', 'valid'):
                raise ValueError(f"Invalid padding string '{padding}', should be one of ['same', 'valid']")
            if padding == 'same' and stride != 1:
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ('zeros', 'reflect', 'replicate', 'circular'):
            raise ValueError("padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], "
                             f"but got padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.padding_mode = padding_mode
        fan_in = (in_channels // groups) * kernel_size
        bound = 1.0 / np.sqrt(fan_in)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size)).astype(np.float32)
        if bias:
            self.bias = np.random.uniform(-bound, bound, out_channels).astype(np.float32)
        else:
            self.bias = None

    def forward(self, x):
        import torch            # inside forward, out of sight at the top of the cell

        x = np.asarray(x)
        layer = torch.nn.Conv1d(self.in_channels, self.out_channels, self.kernel_size, stride=self.stride,
                                padding=self.padding, dilation=self.dilation, groups=self.groups,
                                bias=self.bias is not None, padding_mode=self.padding_mode,
                                dtype=torch.float64)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(np.asarray(self.weight, np.float64)))
            if self.bias is not None:
                layer.bias.copy_(torch.from_numpy(np.asarray(self.bias, np.float64)))
            y = layer(torch.from_numpy(x.astype(np.float64))).numpy()     # torch raises its own errors, too
        return y.astype(np.result_type(x, self.weight))

    def __call__(self, x):
        return self.forward(x)
