# Cheat (found by red-teaming): the speed bonus used to take off the transfer as the least round trip of an "echo"
# request answered by the student's own process; delaying every echo by 0.5 s made grace's plain Python loop look
# free. The transfer is now measured by a process of the judge's own (judge.Echo), never through the student's:
# the loop is timed as the loop it is, and gets no bonus.
# expect: test_predict=1 test_signature_weight=1 test_tuples=1 test_unbatched=1 test_errors=2 test_default_init=1 test_random_layers=3 test_torch_samples=1 test_dtype_and_views=1
# %% answer predict_answer
predicted_shape = (4, 14)
# %% answer conv1d_answer
import sys as _sys
import time as _time

_main = _sys.modules["__main__"]          # the judge's answer process (child.py); in Colab, the notebook itself
if hasattr(_main, "PROTO_IN"):
    _receive = _main.receive

    def _slow_echo_receive():
        req, blob = _receive()
        if isinstance(req, dict) and req.get("op") == "time" and not req.get("calls"):
            _time.sleep(0.5)               # the judge's "transfer time" baseline, taken off every timed call
        return req, blob
    _main.receive = _slow_echo_receive
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
        x = np.asarray(x)
        if x.ndim != 2 and x.ndim != 3:
            raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, "
                               f"but got input of size: {list(x.shape)}")
        unbatched = x.ndim == 2
        if unbatched:
            x = x[np.newaxis]
        N, C_in, L_in = x.shape
        if C_in != self.in_channels:
            raise RuntimeError(f"expected input {list(x.shape)} to have {self.in_channels} channels, "
                               f"but got {C_in} channels instead")
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        span = d * (K - 1) + 1
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left = (span - 1) // 2
            right = span - 1 - left
        else:
            left = right = self.padding
        if self.padding_mode == 'reflect' and max(left, right) >= L_in:
            raise RuntimeError(f"Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({left}, {right}) at dimension 2 of input {list(x.shape)}")
        if self.padding_mode == 'circular' and max(left, right) > L_in:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        mode = 'constant'
        if self.padding_mode == 'reflect':
            mode = 'reflect'
        elif self.padding_mode == 'replicate':
            mode = 'edge'
        elif self.padding_mode == 'circular':
            mode = 'wrap'
        xp = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        L_pad = xp.shape[2]
        if L_pad < span:
            raise RuntimeError(f"Calculated padded input size per channel: ({L_pad}). Kernel size: ({span}). "
                               "Kernel size can't be greater than actual input size")
        L_out = (L_pad - span) // s + 1
        cin_g = C_in // G
        cout_g = self.out_channels // G
        y = np.zeros((N, self.out_channels, L_out), dtype=np.result_type(x, self.weight))
        for t in range(L_out):
            taps = xp[:, :, t * s:t * s + span:d]                # (N, C_in, K)
            for g in range(G):
                xg = taps[:, g * cin_g:(g + 1) * cin_g]
                wg = self.weight[g * cout_g:(g + 1) * cout_g]
                y[:, g * cout_g:(g + 1) * cout_g, t] = np.einsum("nck,ock->no", xg, wg)
        if self.bias is not None:
            y = y + self.bias.reshape(1, -1, 1)
        if unbatched:
            return y[0]
        return y

    def __call__(self, x):
        return self.forward(x)
